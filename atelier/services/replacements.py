"""Replacing selected citizens who decline or do not confirm in time: the engine proposes, the
team approves (or, as a setting, the engine does), and the replacement is invited like any
selected citizen. Every proposal and its reason is kept for COPIL n°3."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from atelier.errors import NotFound, Refused
from atelier.panel.lottery import Infeasible
from atelier.panel.model import Pool
from atelier.panel.replace import reserve_for, resolve
from atelier.planning.template import template_of
from atelier.services.events import record_event
from atelier.services.panel_composition import CompositionRow, composition
from atelier.services.recruitment import (
    find_lottery,
    pool_of,
    quotas_of,
    select_volunteer,
    volunteers_of,
)
from models import Atelier, InvitationAnswer, PanelReplacement, Volunteer
from models.enums import (
    DROPOUT_REASON_LABELS,
    REPLACEMENT_METHOD_LABELS,
    Answer,
    DecisionChannel,
    ReplacementStatus,
    VolunteerStatus,
)
from models.types import pk

STATE_LABELS = {
    ReplacementStatus.PROPOSED: "à approuver",
    ReplacementStatus.APPROVED: "approuvé",
    ReplacementStatus.WITHDRAWN: "sans objet (la personne a confirmé)",
}


def replacements_of(*, session: Session, atelier: Atelier) -> list[PanelReplacement]:
    query = select(PanelReplacement).where(PanelReplacement.atelier_id == pk(atelier))
    return list(session.exec(query.order_by(col(PanelReplacement.id))).all())


@dataclass(frozen=True)
class ReplacementView:
    """A replacement as the team and COPIL n°3 read it: references only, no names."""

    id: int
    dropped: str
    reason: str
    replacement: str | None
    method: str
    status: ReplacementStatus
    state: str

    @property
    def sentence(self) -> str:
        newcomer = f"remplacé(e) par {self.replacement}" if self.replacement else "pas de remplaçant"
        return f"{self.dropped} {self.reason} : {newcomer} ({self.method}) — {self.state}"


def replacement_views(*, session: Session, atelier: Atelier) -> list[ReplacementView]:
    references = {pk(v): v.reference for v in volunteers_of(session=session, atelier=atelier)}
    return [
        ReplacementView(
            pk(r),
            references[r.dropped_id],
            DROPOUT_REASON_LABELS[r.reason],
            references[r.replacement_id] if r.replacement_id else None,
            REPLACEMENT_METHOD_LABELS[r.method],
            r.status,
            STATE_LABELS[r.status],
        )
        for r in replacements_of(session=session, atelier=atelier)
    ]


def answers_of(*, session: Session, atelier: Atelier) -> dict[int, Answer]:
    """Each citizen's answer to their invitation, by person id (the latest counts)."""
    rows = session.exec(select(InvitationAnswer).where(InvitationAnswer.atelier_id == pk(atelier))).all()
    return {a.person_id: a.answer for a in rows}


@dataclass(frozen=True)
class PanelSummary:
    """The panel as COPIL n°3 validates it: its composition against the quotas, who confirmed,
    and every replacement with its reason."""

    drawn_at: datetime | None
    rows: tuple[CompositionRow, ...]
    confirmed: int
    declined: int
    waiting: int
    replacements: tuple[ReplacementView, ...]


def panel_summary(*, session: Session, atelier: Atelier) -> PanelSummary | None:
    """None when the atelier recruits without a lottery."""
    lottery = find_lottery(session=session, atelier=atelier)
    if lottery is None or lottery.sealed_at is None:
        return None
    answers = answers_of(session=session, atelier=atelier)
    given = [
        answers.get(v.person_id or 0)
        for v in volunteers_of(session=session, atelier=atelier, status=VolunteerStatus.SELECTED)
    ]
    return PanelSummary(
        lottery.drawn_at,
        tuple(composition(session=session, atelier=atelier)),
        sum(1 for a in given if a is Answer.CONFIRM),
        sum(1 for a in given if a is Answer.DECLINE),
        sum(1 for a in given if a is None),
        tuple(replacement_views(session=session, atelier=atelier)),
    )


def _dropouts(session: Session, atelier: Atelier, now: datetime) -> list[tuple[Volunteer, str]]:
    spec = template_of(atelier).recruitment
    days = spec.confirm_days if spec else 8
    answers = answers_of(session=session, atelier=atelier)
    handled = {r.dropped_id for r in replacements_of(session=session, atelier=atelier)}
    found = []
    for volunteer in volunteers_of(session=session, atelier=atelier, status=VolunteerStatus.SELECTED):
        if pk(volunteer) in handled or volunteer.person_id is None or volunteer.selected_at is None:
            continue
        answer = answers.get(volunteer.person_id)
        if answer is Answer.DECLINE:
            found.append((volunteer, "declined"))
        elif answer is None and now >= volunteer.selected_at + timedelta(days=days):
            found.append((volunteer, "no_answer"))
    return found


def propose_replacements(*, session: Session, atelier: Atelier, now: datetime) -> list[PanelReplacement]:
    """For each new drop-out, the replacement that keeps the quotas; proposals whose drop-out
    confirmed after all are withdrawn. Approved at once when the team chose so."""
    lottery = find_lottery(session=session, atelier=atelier)
    if lottery is None or lottery.drawn_at is None or lottery.seed is None:
        return []
    answers = answers_of(session=session, atelier=atelier)
    volunteers = {pk(v): v for v in volunteers_of(session=session, atelier=atelier)}
    for proposal in replacements_of(session=session, atelier=atelier):
        dropped = volunteers[proposal.dropped_id]
        if (
            proposal.status is ReplacementStatus.PROPOSED
            and dropped.person_id is not None
            and (answers.get(dropped.person_id) is Answer.CONFIRM)
        ):
            proposal.status, proposal.decided_at, proposal.decided_by = (
                ReplacementStatus.WITHDRAWN,
                now,
                "engine",
            )
            session.add(proposal)
    quotas = quotas_of(session=session, atelier=atelier)
    categories = tuple(dict.fromkeys(q.category for q in quotas))
    made = []
    for dropped, reason in _dropouts(session, atelier, now):
        pending = replacements_of(session=session, atelier=atelier)
        promised = {r.replacement_id for r in pending if r.status is ReplacementStatus.PROPOSED}
        out = {r.dropped_id for r in pending if r.status is not ReplacementStatus.WITHDRAWN}
        # The panel as it will be: the selected still in, and the replacements already proposed.
        others = [
            v
            for v in volunteers.values()
            if v.status is VolunteerStatus.SELECTED and pk(v) not in out and pk(v) != pk(dropped)
        ]
        others += [volunteers[i] for i in promised if i is not None]
        features = [tuple(v.features[c] for c in categories) for v in others]
        reserves = sorted(
            (v for v in volunteers.values() if v.status is VolunteerStatus.RESERVE and pk(v) not in promised),
            key=lambda v: v.reserve_rank or 0,
        )
        mine = tuple(dropped.features[c] for c in categories)
        chosen = reserve_for(
            quotas,
            categories,
            features,
            mine,
            [(v.reference, tuple(v.features[c] for c in categories)) for v in reserves],
        )
        detail: dict[str, object] = {}
        method = "reserve"
        if chosen is None:
            rest = [
                v
                for v in volunteers.values()
                if v.status in (VolunteerStatus.RESERVE, VolunteerStatus.NOT_SELECTED)
                and pk(v) not in promised
            ]
            seed = f"{lottery.seed}:remplacement:{len(pending) + 1}"
            try:
                resolved = resolve(
                    quotas, pool_of(rest, categories) if rest else Pool((), categories, ()), features, 1, seed
                )
                chosen, method = resolved.chosen[0], "resolved"
                detail = {"seed": seed, "commitment": resolved.commitment, "publication": resolved.published}
            except Infeasible:
                method = "none"
        by_reference = {v.reference: v for v in volunteers.values()}
        proposal = PanelReplacement(
            atelier_id=pk(atelier),
            dropped_id=pk(dropped),
            replacement_id=pk(by_reference[chosen]) if chosen else None,
            reason=reason,
            method=method,
            detail=detail,
            proposed_at=now,
        )
        session.add(proposal)
        session.flush()
        record_event(
            session=session,
            atelier_id=pk(atelier),
            actor="engine",
            kind="replacement_proposed",
            at=now,
            dropped=dropped.reference,
            replacement=chosen,
            reason=reason,
            method=method,
        )
        if lottery.auto_approve_replacements and chosen is not None:
            approve_replacement(
                session=session, atelier=atelier, replacement_id=pk(proposal), now=now, actor="engine"
            )
        made.append(proposal)
    return made


def approve_replacement(
    *, session: Session, atelier: Atelier, replacement_id: int, now: datetime, actor: str
) -> PanelReplacement:
    """The replacement joins the panel and is invited; a drop-out who never answered is recorded
    as not taking part (no more reminders)."""
    proposal = session.get(PanelReplacement, replacement_id)
    if proposal is None or proposal.atelier_id != pk(atelier):
        raise NotFound("remplacement introuvable", "replacement not found")
    if proposal.status is not ReplacementStatus.PROPOSED:
        raise Refused("ce remplacement a déjà été traité", f"replacement in status {proposal.status.value}")
    if proposal.replacement_id is None:
        raise Refused(
            "aucun remplaçant ne respecte les quotas : revoyez les quotas avec le COPIL",
            "no replacement to approve",
        )
    dropped = session.get(Volunteer, proposal.dropped_id)
    newcomer = session.get(Volunteer, proposal.replacement_id)
    if dropped is None or newcomer is None:
        raise RuntimeError("replacement without its volunteers")
    if newcomer.status not in (VolunteerStatus.RESERVE, VolunteerStatus.NOT_SELECTED):
        raise Refused("le remplaçant proposé n'est plus disponible", "replacement no longer available")
    if proposal.reason == "no_answer" and dropped.person_id is not None:
        answer = answers_of(session=session, atelier=atelier).get(dropped.person_id)
        if answer is Answer.CONFIRM:
            raise Refused(
                "la personne remplacée vient de confirmer sa participation : "
                "le remplacement n'a plus lieu d'être",
                "dropped person confirmed meanwhile",
            )
        if answer is None:
            session.add(
                InvitationAnswer(
                    atelier_id=pk(atelier),
                    person_id=dropped.person_id,
                    answer=Answer.DECLINE,
                    channel=DecisionChannel.WORKSPACE,
                    answered_at=now,
                )
            )
    dropped.status = VolunteerStatus.WITHDRAWN
    session.add(dropped)
    select_volunteer(session=session, atelier=atelier, volunteer=newcomer, now=now, actor=actor)
    proposal.status, proposal.decided_at, proposal.decided_by = ReplacementStatus.APPROVED, now, actor
    session.add(proposal)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="replacement_approved",
        at=now,
        dropped=dropped.reference,
        replacement=newcomer.reference,
    )
    session.flush()
    return proposal
