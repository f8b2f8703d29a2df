"""People and their roles in an atelier: added one by one or in a batch (all or nothing), edited, removed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from atelier.errors import Refused
from atelier.planning.template import template_of
from atelier.services.accounts import EDITORS
from atelier.services.events import record_event
from models import Account, Atelier, Gate, GateMember, Membership, OutboxMessage, Person
from models.enums import ROLE_LABELS, OutboxStatus, Role
from models.person_in import PersonIn
from models.types import pk
from notifications.compose import address_line


def _members(*, session: Session, atelier: Atelier) -> set[tuple[str, str]]:
    rows = session.exec(
        select(Person.email, Membership.role)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.atelier_id == pk(atelier))
    ).all()
    return {(email, role) for email, role in rows}


def _same_name(name: str) -> str:
    """A name as compared for an address already known: case and spacing aside, accents kept."""
    return " ".join(name.split()).casefold()


def add_people(
    *, session: Session, atelier: Atelier, people: Iterable[PersonIn], now: datetime, actor: str = "cli"
) -> list[Person]:
    """Add people with their roles; refuse the whole batch on any duplicate."""
    people = list(people)
    existing = _members(session=session, atelier=atelier)
    # The people already known by these addresses, read once for the whole batch.
    addresses = [p.email for p in people]
    known = {p.email: p for p in session.exec(select(Person).where(col(Person.email).in_(addresses))).all()}
    seen: set[str] = set()
    for index, person_in in enumerate(people, start=1):
        where = f"ligne {index}" if len(people) > 1 else ""
        prefix = f"{where} : " if where else ""
        if person_in.email in seen:
            raise Refused(f"{prefix}{person_in.email} apparaît deux fois", "duplicate person in batch")
        seen.add(person_in.email)
        same_address = known.get(person_in.email)
        if same_address is not None and _same_name(same_address.full_name) != _same_name(person_in.full_name):
            # Not merged under either name, and the other name not shown: it may be of another atelier.
            raise Refused(
                f"{prefix}l'adresse {person_in.email} est déjà enregistrée sous un autre nom que "
                f"« {person_in.full_name} » : vérifiez l'adresse, ou demandez à un administrateur "
                "le nom sous lequel elle est connue",
                "known address with another name",
            )
        for role in person_in.roles:
            if (person_in.email, role.value) in existing:
                raise Refused(
                    f"{prefix}{person_in.full_name} <{person_in.email}> est déjà inscrit(e) "
                    f"comme {ROLE_LABELS[role]} dans cet atelier",
                    "duplicate membership",
                )
    added: list[Person] = []
    for person_in in people:
        person = known.get(person_in.email)
        if person is None:
            person = Person(
                full_name=person_in.full_name,
                email=person_in.email,
                organisation=person_in.organisation,
            )
            session.add(person)
            session.flush()
        for role in person_in.roles:
            session.add(
                Membership(atelier_id=pk(atelier), person_id=pk(person), role=role.value, added_at=now)
            )
        record_event(
            session=session,
            atelier_id=pk(atelier),
            actor=actor,
            kind="person_added",
            at=now,
            person_id=pk(person),
            roles=[r.value for r in person_in.roles],
        )
        added.append(person)
    session.flush()
    return added


def people_with_role(*, session: Session, atelier: Atelier, role: Role | str) -> list[Person]:
    query = (
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.atelier_id == pk(atelier), Membership.role == str(role))
        .order_by(col(Person.id))
    )
    return list(session.exec(query).all())


def person_in_atelier(
    *, session: Session, atelier: Atelier, person_id: int
) -> tuple[Person, list[Membership]]:
    person = session.get(Person, person_id)
    memberships = session.exec(
        select(Membership).where(Membership.atelier_id == pk(atelier), Membership.person_id == person_id)
    ).all()
    if person is None or not memberships:
        raise Refused("cette personne ne fait pas partie de l'atelier", "unknown person in atelier")
    return person, list(memberships)


def update_person(
    *, session: Session, atelier: Atelier, person_id: int, details: PersonIn, now: datetime, actor: str,
    editor_id: int | None = None,
) -> list[str]:  # fmt: skip
    """Correct a person's name, e-mail address or organisation; returns the fields changed.

    A person's identity is shared by every atelier they take part in. A team member (``editor_id``)
    changes it only when every other atelier of that person is one they edit too, and never an
    administrator's; an administrator or the command line (``editor_id`` None) changes anyone. A new
    address is refused for someone who signs in to the workspace (it is how they sign in) or who
    takes part in another atelier. Messages not yet sent, or failed, go to the new address.
    """
    person, _ = person_in_atelier(session=session, atelier=atelier, person_id=person_id)
    fields = [f for f in ("full_name", "email", "organisation") if getattr(person, f) != getattr(details, f)]
    if fields and editor_id is not None and editor_id != person_id:
        _check_owned(session=session, atelier=atelier, person=person, editor_id=editor_id)
    if "email" in fields:
        other = session.exec(select(Person.id).where(Person.email == details.email)).first()
        if other is not None:
            # Not named: the other person may belong to an atelier the editor does not see.
            raise Refused(f"l'adresse {details.email} est déjà celle d'une autre personne", "email taken")
        if session.exec(select(Account.id).where(Account.person_id == person_id)).first() is not None:
            raise Refused(
                f"{person.full_name} se connecte à l'espace avec cette adresse : elle ne se change pas ici",
                "email of an account",
            )
        if _elsewhere(session=session, atelier=atelier, person_id=person_id):
            raise Refused(
                f"{person.full_name} participe aussi à un autre atelier : son adresse ne se change pas ici",
                "email of a person in another atelier",
            )
    if not fields:
        return []
    person.full_name, person.email, person.organisation = (
        details.full_name,
        details.email,
        details.organisation,
    )
    session.add(person)
    if "email" in fields or "full_name" in fields:
        waiting = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.person_id == person_id,
                col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.FAILED]),
            )
        ).all()
        for message in waiting:
            message.recipient = address_line(person.full_name, person.email)
            session.add(message)
    # The fields' names only: the journal keeps no personal data it does not need.
    record_event(
        session=session, atelier_id=pk(atelier), actor=actor, kind="person_updated", at=now,
        person_id=person_id, fields=fields,
    )  # fmt: skip
    session.flush()
    return fields


def _elsewhere(*, session: Session, atelier: Atelier, person_id: int) -> set[int]:
    """The other ateliers this person takes part in."""
    rows = session.exec(
        select(Membership.atelier_id).where(
            Membership.person_id == person_id, Membership.atelier_id != pk(atelier)
        )
    ).all()
    return set(rows)


def _check_owned(*, session: Session, atelier: Atelier, person: Person, editor_id: int) -> None:
    """Refuse a team member's change to an identity that is not theirs alone to change."""
    admin = session.exec(
        select(Account.id).where(Account.person_id == pk(person), col(Account.is_admin).is_(True))
    ).first()
    if admin is not None:
        raise Refused(
            f"{person.full_name} administre l'espace : ses coordonnées se corrigent dans la page des comptes",
            "identity of an administrator",
        )
    edited = session.exec(
        select(Membership.atelier_id).where(
            Membership.person_id == editor_id, col(Membership.role).in_([r.value for r in EDITORS])
        )
    ).all()
    if _elsewhere(session=session, atelier=atelier, person_id=pk(person)) - set(edited):
        raise Refused(
            f"{person.full_name} participe aussi à un autre atelier, dont vous n'avez pas la charge : "
            "ses coordonnées ne se corrigent pas ici (demandez à un administrateur de l'espace)",
            "identity shared with an atelier the editor does not edit",
        )


def remove_person(*, session: Session, atelier: Atelier, person_id: int, now: datetime, actor: str) -> str:
    """Take a person out of the atelier (all their roles). Refused once they were asked to decide or
    were sent anything: what reached their mailbox and agenda cannot be taken back this way."""
    person, memberships = person_in_atelier(session=session, atelier=atelier, person_id=person_id)
    in_gate = session.exec(
        select(GateMember.id)
        .join(Gate, col(Gate.id) == col(GateMember.gate_id))
        .where(Gate.atelier_id == pk(atelier), GateMember.person_id == person_id)
    ).first()
    if in_gate is not None:
        raise Refused(
            f"{person.full_name} a déjà été sollicité(e) pour une décision : retrait impossible",
            "gate member",
        )
    sent = session.exec(
        select(OutboxMessage.id).where(
            OutboxMessage.atelier_id == pk(atelier),
            OutboxMessage.person_id == person_id,
            OutboxMessage.status == OutboxStatus.SENT,
        )
    ).first()
    if sent is not None:
        raise Refused(
            f"{person.full_name} a déjà reçu des messages de l'atelier : enregistrez plutôt son désistement",
            "person already contacted",
        )
    for membership in memberships:
        session.delete(membership)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="person_removed",
        at=now,
        person_id=person_id,
    )
    return person.full_name


def set_roles(
    *, session: Session, atelier: Atelier, person_id: int, roles: Iterable[Role], now: datetime, actor: str
) -> tuple[list[Role], list[Role]]:
    """Give a person exactly these roles in the atelier; returns the roles (added, taken away).

    A role is not taken away once it has been used: a decision asked in it (COPIL, commanditaire),
    or a message sent for it alone (their agenda already holds its invitations). The planner does
    the rest: the new role's messages are queued, the old one's not yet sent are cancelled.
    """
    person, memberships = person_in_atelier(session=session, atelier=atelier, person_id=person_id)
    wanted = set(roles)
    if not wanted:
        raise Refused("cochez au moins un rôle (pour retirer la personne, utilisez « Retirer »)", "no role")
    held = {Role(m.role): m for m in memberships}
    added = sorted(wanted - held.keys(), key=list(Role).index)
    removed = sorted(held.keys() - wanted, key=list(Role).index)
    for role in removed:
        _check_role_unused(session=session, atelier=atelier, person=person, role=role, kept=wanted)
    for role in removed:
        session.delete(held[role])
    for role in added:
        session.add(Membership(atelier_id=pk(atelier), person_id=person_id, role=role.value, added_at=now))
    if added or removed:
        record_event(
            session=session, atelier_id=pk(atelier), actor=actor, kind="person_roles_changed", at=now,
            person_id=person_id, added=[r.value for r in added], removed=[r.value for r in removed],
        )  # fmt: skip
    session.flush()
    return added, removed


def _check_role_unused(
    *, session: Session, atelier: Atelier, person: Person, role: Role, kept: set[Role]
) -> None:
    label = ROLE_LABELS[role]
    if role in (Role.COPIL_MEMBER, Role.COMMANDITAIRE):
        asked = session.exec(
            select(GateMember.id)
            .join(Gate, col(Gate.id) == col(GateMember.gate_id))
            .where(Gate.atelier_id == pk(atelier), GateMember.person_id == pk(person))
        ).first()
        if asked is not None:
            raise Refused(
                f"{person.full_name} a déjà été sollicité(e) pour une décision : le rôle « {label} » reste",
                "role used in a gate",
            )
    rules = {rule.key: set(rule.audience) for rule in template_of(atelier).messages}
    sent = session.exec(
        select(OutboxMessage.context).where(
            OutboxMessage.atelier_id == pk(atelier),
            OutboxMessage.person_id == pk(person),
            OutboxMessage.status == OutboxStatus.SENT,
        )
    ).all()
    for context in sent:
        audience = rules.get(str(context.get("rule")), set())
        if role in audience and not audience & kept:
            raise Refused(
                f"{person.full_name} a déjà reçu des messages en tant que {label} : ce rôle ne se retire "
                "plus" + (" (enregistrez plutôt son désistement)" if role is Role.CITIZEN else ""),
                "role already written to",
            )
