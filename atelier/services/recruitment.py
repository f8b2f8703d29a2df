"""Recruitment by lot in an atelier: the pool, the quotas COPIL n°1 approves, the sealed lottery
and its draw. The lottery itself is pure (``atelier.panel``); this module keeps it in the database.

Order of things, each refused out of turn: import the pool and set the quotas; COPIL n°1 approves
the sample; seal (the distribution and its commitment are published); draw with the seed announced
in advance. Quotas changed after the approval are put to the COPIL again before any draw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from atelier.errors import Refused
from atelier.french import count
from atelier.i18n import short_datetime
from atelier.panel.criteria import default_criteria
from atelier.panel.draw import draw
from atelier.panel.model import Pool, Quota
from atelier.panel.registrations import Known, Registrations, read_registrations
from atelier.planning.template import template_of
from atelier.services.events import record_event
from atelier.services.gates import ask_again_after_change, get_gate
from atelier.services.people import add_people, people_with_role
from atelier.sheets.people import normal_header
from atelier.sheets.spreadsheet import Sheet
from models import Atelier, Gate, PanelLottery, PanelQuota, Volunteer
from models.enums import GateStatus, Role, VolunteerStatus
from models.person_in import PersonIn
from models.types import pk

ALGORITHM = "maximin"


def find_lottery(*, session: Session, atelier: Atelier) -> PanelLottery | None:
    return session.exec(select(PanelLottery).where(PanelLottery.atelier_id == pk(atelier))).first()


def lottery_of(*, session: Session, atelier: Atelier) -> PanelLottery:
    """The atelier's lottery row (its settings; created on first use)."""
    lottery = find_lottery(session=session, atelier=atelier)
    if lottery is None:
        lottery = PanelLottery(atelier_id=pk(atelier))
        session.add(lottery)
        session.flush()
    return lottery


def quotas_of(*, session: Session, atelier: Atelier) -> list[Quota]:
    rows = session.exec(
        select(PanelQuota).where(PanelQuota.atelier_id == pk(atelier)).order_by(col(PanelQuota.position))
    ).all()
    return [Quota(r.category, r.value, r.min, r.max) for r in rows]


def criteria_of(*, session: Session, atelier: Atelier) -> dict[str, tuple[str, ...]]:
    """The criteria and their values: those of the quotas once set, the default set before."""
    quotas = quotas_of(session=session, atelier=atelier)
    if not quotas:
        return {c.category: c.values for c in default_criteria()}
    criteria: dict[str, list[str]] = {}
    for q in quotas:
        criteria.setdefault(q.category, []).append(q.value)
    return {c: tuple(v) for c, v in criteria.items()}


def volunteers_of(
    *, session: Session, atelier: Atelier, status: VolunteerStatus | None = None
) -> list[Volunteer]:
    query = select(Volunteer).where(Volunteer.atelier_id == pk(atelier))
    if status is not None:
        query = query.where(Volunteer.status == status)
    return list(session.exec(query.order_by(col(Volunteer.id))).all())


def _quotas_gate(*, session: Session, atelier: Atelier) -> Gate:
    spec = template_of(atelier).recruitment
    if spec is None:
        raise Refused(
            "le modèle de cet atelier ne prévoit pas de tirage au sort", "template without recruitment"
        )
    return get_gate(session=session, atelier=atelier, key=spec.quotas_gate)


def not_sealed(lottery: PanelLottery, what: str) -> None:
    """Refuses once the lottery is sealed, and while a seal asked for runs: its search works on the
    pool, the quotas and the rules as they were when it began."""
    if lottery.sealed_at is not None:
        raise Refused(
            f"le tirage est scellé depuis le {short_datetime(lottery.sealed_at)} : {what}",
            "lottery already sealed",
        )
    if lottery.seal_requested_at is not None:
        raise Refused(
            f"le scellement du tirage demandé le {short_datetime(lottery.seal_requested_at)} est en "
            "cours : le vivier, les quotas et les règles du tirage ne changent pas avant qu'il s'achève",
            "lottery being sealed",
        )


def import_pool(
    *, session: Session, atelier: Atelier, sheet: Sheet, now: datetime, actor: str
) -> Registrations:
    """Add the sheet's volunteers to the pool (all or nothing); people already in it are skipped."""
    lottery = lottery_of(session=session, atelier=atelier)
    not_sealed(lottery, "le vivier ne peut plus changer")
    pool = volunteers_of(session=session, atelier=atelier)
    known = Known(
        emails=frozenset(v.email for v in pool),
        phones=frozenset(v.phone for v in pool if v.phone),
        households=frozenset(
            v.household for v in pool if v.household and v.status is not VolunteerStatus.SET_ASIDE
        ),
        names_at=frozenset((normal_header(v.full_name), v.household) for v in pool if v.household),
    )
    registrations = read_registrations(
        sheet,
        criteria_of(session=session, atelier=atelier),
        one_per_household=lottery.one_per_household,
        known=known,
    )
    if not registrations.volunteers and not registrations.set_aside:
        raise Refused("le fichier n'apporte aucun nouveau volontaire", "no new volunteer")
    number = len(pool)
    batch = [(v, VolunteerStatus.POOL) for v in registrations.volunteers]
    batch += [(v, VolunteerStatus.SET_ASIDE) for v, _ in registrations.set_aside]
    for volunteer, status in sorted(batch, key=lambda item: item[0].line):
        number += 1
        session.add(
            Volunteer(
                atelier_id=pk(atelier),
                reference=f"V{number:05d}",
                full_name=volunteer.full_name,
                email=volunteer.email,
                phone=volunteer.phone,
                household=volunteer.household,
                features=volunteer.features,
                registered_at=now,
                status=status,
            )
        )
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="pool_imported",
        at=now,
        added=len(registrations.volunteers),
        set_aside=len(registrations.set_aside),
        duplicates=len(registrations.duplicates),
        without_consent=len(registrations.without_consent),
    )
    session.flush()
    return registrations


@dataclass(frozen=True)
class QuotasChange:
    asked_again: bool  # the COPIL had approved the previous ones and must decide again


def set_quotas(
    *, session: Session, atelier: Atelier, quotas: list[Quota], now: datetime, actor: str
) -> QuotasChange:
    """Replace the quotas. Refused while the COPIL is deciding on them and once the draw is sealed;
    after their approval, the COPIL is asked to decide again."""
    lottery = lottery_of(session=session, atelier=atelier)
    not_sealed(lottery, "les quotas ne peuvent plus changer")
    gate = _quotas_gate(session=session, atelier=atelier)
    if gate.status is GateStatus.OPEN:
        raise Refused(
            f"le COPIL décide en ce moment de « {gate.name} » : les quotas ne peuvent pas changer "
            "pendant sa décision",
            "quotas changed while their gate is open",
        )
    if not quotas:
        raise Refused("aucun quota", "no quotas")
    pool_values = {
        (c, v)
        for volunteer in volunteers_of(session=session, atelier=atelier)
        for c, v in volunteer.features.items()
    }
    new_values = {(q.category, q.value) for q in quotas}
    orphan = sorted(pool_values - new_values)
    if orphan:
        category, value = orphan[0]
        raise Refused(
            f"des volontaires du vivier ont « {value} » pour « {category} », valeur absente des quotas",
            "quotas miss a value of the pool",
        )
    previous = quotas_of(session=session, atelier=atelier)
    if previous == quotas:
        return QuotasChange(asked_again=False)
    for row in session.exec(select(PanelQuota).where(PanelQuota.atelier_id == pk(atelier))).all():
        session.delete(row)
    session.flush()
    for position, q in enumerate(quotas):
        session.add(
            PanelQuota(
                atelier_id=pk(atelier),
                position=position,
                category=q.category,
                value=q.value,
                min=q.min,
                max=q.max,
            )
        )
    lottery.quotas_changed_at = now
    session.add(lottery)
    record_event(
        session=session, atelier_id=pk(atelier), actor=actor, kind="quotas_set", at=now, quotas=len(quotas)
    )
    asked_again = gate.status is GateStatus.APPROVED
    if asked_again:
        ask_again_after_change(
            session=session,
            atelier=atelier,
            gate=gate,
            note="Les quotas de l'échantillon ont été modifiés après votre approbation : "
            "le tirage au sort attend votre nouvelle décision.",
            now=now,
        )
    session.flush()
    return QuotasChange(asked_again)


def approval_refusal(*, session: Session, atelier: Atelier) -> str | None:
    """Why no lottery may be sealed yet (French), or None when the quotas are approved."""
    if not quotas_of(session=session, atelier=atelier):
        return "les quotas ne sont pas encore saisis"
    gate = _quotas_gate(session=session, atelier=atelier)
    if gate.status is not GateStatus.APPROVED or gate.closed_at is None:
        return f"les quotas attendent l'approbation « {gate.name} »"
    lottery = find_lottery(session=session, atelier=atelier)
    changed = lottery.quotas_changed_at if lottery is not None else None
    if changed is not None and changed > gate.closed_at:
        return "les quotas ont changé depuis leur approbation : une nouvelle décision du COPIL est nécessaire"
    return None


@dataclass(frozen=True)
class Precondition:
    """One thing the draw needs, said on the recruitment page from the start."""

    label: str
    unmet: str | None  # why it is not met yet (French), None once it is


def draw_preconditions(*, session: Session, atelier: Atelier) -> list[Precondition]:
    """What sealing the draw needs, in the order a team meets them; sealing refuses the first unmet."""
    by_hand = len(people_with_role(session=session, atelier=atelier, role=Role.CITIZEN))
    in_pool = session.exec(
        select(func.count()).where(
            col(Volunteer.atelier_id) == pk(atelier), col(Volunteer.status) == VolunteerStatus.POOL
        )
    ).one()
    hand_added = count(by_hand, "citoyen inscrit", "citoyens inscrits")
    return [
        Precondition(
            "Les quotas sont saisis et approuvés par le COPIL",
            approval_refusal(session=session, atelier=atelier),
        ),
        Precondition(
            "Le vivier compte des volontaires",
            None if in_pool else "le vivier est vide : importez d'abord les volontaires",
        ),
        Precondition(
            "Aucun citoyen n'est inscrit à la main",
            None
            if not by_hand
            else f"l'atelier compte déjà {hand_added} à la main (page Personnes) : "
            "le tirage ne peut pas s'y ajouter",
        ),
    ]


def pool_of(volunteers: list[Volunteer], categories: tuple[str, ...]) -> Pool:
    """The pseudonymous pool the lottery sees: references and criteria, nothing personal."""
    return Pool(
        tuple(v.reference for v in volunteers),
        categories,
        tuple(tuple(v.features[c] for c in categories) for v in volunteers),
    )


def published_of(lottery: PanelLottery) -> dict[str, Any]:
    if lottery.publication is None:
        raise Refused("le tirage n'est pas encore scellé", "lottery not sealed")
    loaded: dict[str, Any] = json.loads(lottery.publication)
    return loaded


def select_volunteer(
    *, session: Session, atelier: Atelier, volunteer: Volunteer, now: datetime, actor: str
) -> None:
    """The volunteer becomes a citizen of the atelier: the invitation asking them to confirm goes
    out from now (the template's ``from_selection`` rules)."""
    existing = people_with_role(session=session, atelier=atelier, role=Role.CITIZEN)
    person = next((p for p in existing if p.email == volunteer.email), None)
    if person is None:
        person = add_people(
            session=session,
            atelier=atelier,
            now=now,
            actor=actor,
            people=[PersonIn(full_name=volunteer.full_name, email=volunteer.email, roles=[Role.CITIZEN])],
        )[0]
    volunteer.status, volunteer.person_id, volunteer.selected_at = VolunteerStatus.SELECTED, pk(person), now
    volunteer.reserve_rank = None
    session.add(volunteer)


def draw_panel(*, session: Session, atelier: Atelier, seed: str, now: datetime, actor: str) -> PanelLottery:
    """Draw the panel and order the reserve from the seed; the selected become citizens."""
    lottery = lottery_of(session=session, atelier=atelier)
    if lottery.drawn_at is not None:
        raise Refused(f"le panel a déjà été tiré le {short_datetime(lottery.drawn_at)}", "already drawn")
    published = published_of(lottery)
    seed = " ".join(seed.split())
    if not seed:
        raise Refused("indiquez le nombre annoncé pour le tirage", "empty seed")
    result = draw(published, seed)
    by_reference = {v.reference: v for v in volunteers_of(session=session, atelier=atelier)}
    for reference in result.panel:
        select_volunteer(
            session=session, atelier=atelier, volunteer=by_reference[reference], now=now, actor=actor
        )
    for rank, reference in enumerate(result.reserves, start=1):
        volunteer = by_reference[reference]
        volunteer.status, volunteer.reserve_rank = VolunteerStatus.RESERVE, rank
        session.add(volunteer)
    for volunteer in by_reference.values():
        if volunteer.status is VolunteerStatus.POOL:
            volunteer.status = VolunteerStatus.NOT_SELECTED
            session.add(volunteer)
    lottery.seed, lottery.drawn_at, lottery.composition = seed, now, result.composition
    session.add(lottery)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="panel_drawn",
        at=now,
        seed=seed,
        commitment=lottery.commitment,
        panel=len(result.panel),
        reserves=len(result.reserves),
    )
    session.flush()
    return lottery
