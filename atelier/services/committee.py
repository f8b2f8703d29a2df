"""The citizens' comité de suivi (seed 004, part 03: « un comité de suivi citoyen entre la fin de la
concertation et la décision »), when the template has one: once its call is made (the step
``call_after`` done), each citizen may take a seat by their own link, up to the template's number of
seats, and leave it; members are invited to its meetings (steps of the droit de suite) by the
message rules for the role ``follow_up_committee``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from atelier.errors import Refused
from atelier.planning.template import CommitteeSpec, template_of
from atelier.services.events import person_actor, record_event
from atelier.services.mandat import expected_at
from atelier.services.people import people_with_role
from atelier.services.timeline import steps_of
from models import Atelier, CommitteeSeat, InvitationAnswer, Person
from models.enums import Answer, Role, StepStatus
from models.types import pk


def committee_spec(atelier: Atelier) -> CommitteeSpec:
    spec = template_of(atelier).follow_up.committee
    if spec is None:
        raise Refused("cet atelier ne prévoit pas de comité de suivi", "no committee in the template")
    return spec


@dataclass(frozen=True)
class Committee:
    seats: int
    members: tuple[Person, ...]  # the current members, in the order they joined
    meetings: tuple[tuple[str, datetime, bool], ...]  # name, when, held
    state: str  # « avant » (no call yet), « ouvert », « clos » (its last meeting is past)


def committee_of(*, session: Session, atelier: Atelier) -> Committee | None:
    """The comité de suivi as it stands, or None when the template has none."""
    spec = template_of(atelier).follow_up.committee
    if spec is None:
        return None
    steps = {s.key: s for s in steps_of(session=session, atelier=atelier)}
    meetings = tuple(
        (steps[k].name, expected_at(steps[k]), steps[k].status is StepStatus.DONE) for k in spec.meetings
    )
    if steps[spec.call_after].status is not StepStatus.DONE:
        state = "avant"
    elif all(held for _, _, held in meetings):
        state = "clos"
    else:
        state = "ouvert"
    rows = session.exec(
        select(Person)
        .join(CommitteeSeat, col(CommitteeSeat.person_id) == col(Person.id))
        .where(CommitteeSeat.atelier_id == pk(atelier), col(CommitteeSeat.left_at).is_(None))
        .order_by(col(CommitteeSeat.joined_at), col(CommitteeSeat.id))
    ).all()
    return Committee(spec.seats, tuple(rows), meetings, state)


def _seat(session: Session, atelier: Atelier, person_id: int) -> CommitteeSeat | None:
    return session.exec(
        select(CommitteeSeat).where(
            CommitteeSeat.atelier_id == pk(atelier), CommitteeSeat.person_id == person_id
        )
    ).first()


def is_member(*, session: Session, atelier: Atelier, person_id: int) -> bool:
    seat = _seat(session, atelier, person_id)
    return seat is not None and seat.left_at is None


def join_committee(*, session: Session, atelier: Atelier, person_id: int, now: datetime) -> None:
    """A citizen of the atelier (who did not decline it) takes a seat, while the call is open and
    a seat is free."""
    spec = committee_spec(atelier)
    committee = committee_of(session=session, atelier=atelier)
    if committee is None or committee.state != "ouvert":
        raise Refused(
            "l'appel à volontaires pour le comité de suivi est clos"
            if committee is not None and committee.state == "clos"
            else "l'appel à volontaires pour le comité de suivi n'est pas encore ouvert",
            "committee call not open",
        )
    citizens = {pk(p) for p in people_with_role(session=session, atelier=atelier, role=Role.CITIZEN)}
    declined = session.exec(
        select(InvitationAnswer).where(
            InvitationAnswer.atelier_id == pk(atelier),
            InvitationAnswer.person_id == person_id,
            InvitationAnswer.answer == Answer.DECLINE,
        )
    ).first()
    if person_id not in citizens or declined is not None:
        raise Refused("le comité de suivi réunit des citoyens du panel de l'atelier", "not a citizen")
    seat = _seat(session, atelier, person_id)
    if seat is not None and seat.left_at is None:
        raise Refused("vous faites déjà partie du comité de suivi", "already a member")
    if seat is not None:
        # Their invitations were cancelled when they left: a return is settled with the team.
        raise Refused(
            "vous avez quitté le comité de suivi : pour y revenir, écrivez à l'équipe projet",
            "rejoining after leaving",
        )
    if len(committee.members) >= spec.seats:
        raise Refused(
            f"le comité de suivi est complet ({spec.seats} membres) : merci de votre engagement",
            "committee full",
        )
    session.add(CommitteeSeat(atelier_id=pk(atelier), person_id=person_id, joined_at=now))
    record_event(session=session, atelier_id=pk(atelier), actor=person_actor(person_id),
                 kind="committee_joined", at=now)  # fmt: skip
    session.flush()


def leave_committee(*, session: Session, atelier: Atelier, person_id: int, now: datetime) -> None:
    """A member leaves; the meetings' invitations they received are cancelled by the engine."""
    seat = _seat(session, atelier, person_id)
    if seat is None or seat.left_at is not None:
        raise Refused("vous ne faites pas partie du comité de suivi", "not a member")
    seat.left_at = now
    session.add(seat)
    record_event(session=session, atelier_id=pk(atelier), actor=person_actor(person_id),
                 kind="committee_left", at=now)  # fmt: skip
    session.flush()
