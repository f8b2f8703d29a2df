"""COPIL gates: asking, recording each member's decision once, closing on quorum."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from atelier.errors import NotFound, Refused
from atelier.french import count
from atelier.i18n import short_datetime
from atelier.planning.quorum import gate_outcome, votes_needed
from atelier.planning.template import template_of
from atelier.planning.timeline import gate_asked_from as asked_from
from atelier.planning.timeline import revised_decision_due_at
from atelier.services.ateliers import venue_calendar_of
from atelier.services.avis import answer_gate_of, incomplete_answers, publish_pending
from atelier.services.events import person_actor, record_event
from atelier.services.people import people_with_role
from atelier.services.timeline import record_step_done
from models import Atelier, Decision, Gate, GateMember, Person, Step
from models.enums import (
    OUTCOME_LABELS,
    DecisionChannel,
    DecisionOutcome,
    GateStatus,
    Role,
    StepStatus,
)
from models.types import pk

STATUS_LABELS = {
    GateStatus.PENDING: "pas encore soumise",
    GateStatus.OPEN: "ouverte",
    GateStatus.SENT_BACK: "renvoyée pour reprise",
    GateStatus.APPROVED: "approuvée",
    GateStatus.REJECTED: "rejetée",
}


# "la décision « X » …" for each status in which no decision is expected.
NOT_OPEN_PHRASES = {
    GateStatus.PENDING: "n'est pas encore soumise",
    GateStatus.SENT_BACK: "a été renvoyée pour reprise",
    GateStatus.APPROVED: "est approuvée",
    GateStatus.REJECTED: "est rejetée",
}


def get_gate(*, session: Session, atelier: Atelier, key: str) -> Gate:
    gate = session.exec(select(Gate).where(Gate.atelier_id == pk(atelier), Gate.key == key)).first()
    if gate is None:
        known = ", ".join(g.key for g in gates_of(session=session, atelier=atelier))
        raise NotFound(f"décision inconnue : « {key} » (décisions : {known})", f"unknown gate {key!r}")
    return gate


def gates_of(*, session: Session, atelier: Atelier) -> list[Gate]:
    return list(session.exec(select(Gate).where(Gate.atelier_id == pk(atelier)).order_by(col(Gate.id))).all())


def gate_members(*, session: Session, gate: Gate) -> list[Person]:
    query = (
        select(Person)
        .join(GateMember, col(GateMember.person_id) == col(Person.id))
        .where(GateMember.gate_id == pk(gate))
        .order_by(col(Person.id))
    )
    return list(session.exec(query).all())


def round_decisions(*, session: Session, gate: Gate) -> list[Decision]:
    query = select(Decision).where(Decision.gate_id == pk(gate), Decision.round == gate.round)
    return list(session.exec(query.order_by(col(Decision.id))).all())


def gate_is_ready(*, session: Session, gate: Gate) -> bool:
    """A gate can be asked when every dependency of its step is done."""
    step = session.get(Step, gate.step_id)
    if step is None:
        raise RuntimeError(f"gate {gate.key} without its step")
    deps = session.exec(
        select(Step).where(Step.atelier_id == gate.atelier_id, col(Step.key).in_(step.depends_on))
    ).all()
    return all(d.status is StepStatus.DONE for d in deps)


def gate_asked_from(*, session: Session, atelier: Atelier, gate: Gate) -> datetime | None:
    """When the gate may be asked at the earliest (None: as soon as its step is ready)."""
    step = session.get(Step, gate.step_id)
    if step is None:
        raise RuntimeError(f"gate {gate.key} without its step")
    spec = template_of(atelier).step(step.key).gate
    return asked_from(
        step.kind, step.forecast_start, step.forecast_end, spec.ask_days_before if spec else None
    )


def open_gate(*, session: Session, atelier: Atelier, gate: Gate, now: datetime) -> bool:
    """Ask the gate (first time or again after a send back). Returns False if nothing to do.

    Compare-and-set on (status, round): two engines racing open it once.
    """
    if gate.status not in (GateStatus.PENDING, GateStatus.SENT_BACK):
        return False
    if gate.status is GateStatus.SENT_BACK and gate.revised_at is None:
        return False  # the team has not recorded the revised version yet
    if gate.status is GateStatus.PENDING:
        members = people_with_role(session=session, atelier=atelier, role=Role(gate.member_role))
        if not members:
            raise Refused(
                f"la décision « {gate.name} » n'a aucun membre ({gate.member_role}) : ajoutez-les",
                f"gate {gate.key} has no members",
            )
        for person in members:
            session.add(GateMember(gate_id=pk(gate), person_id=pk(person)))
    previous = gate.status
    gate.status = GateStatus.OPEN
    gate.round += 1
    gate.opened_at = now
    gate.closed_at = None
    session.add(gate)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor="engine",
        kind="gate_opened" if previous is GateStatus.PENDING else "gate_asked_again",
        at=now,
        gate=gate.key,
        round=gate.round,
        due_at=gate.due_at.isoformat(),
    )
    session.flush()
    return True


@dataclass(frozen=True)
class DecisionResult:
    gate_key: str
    gate_status: GateStatus
    round: int
    closed_now: bool


def decide(
    *,
    session: Session,
    atelier: Atelier,
    gate_key: str,
    person: Person,
    outcome: DecisionOutcome,
    comment: str | None,
    channel: DecisionChannel,
    now: datetime,
    entered_by: int | None = None,
) -> DecisionResult:
    """Record one member's decision; close the gate when the quorum settles it. ``entered_by``: the
    team member who entered a decision taken in a meeting (the journal says who)."""
    gate = get_gate(session=session, atelier=atelier, key=gate_key)
    if gate.status is not GateStatus.OPEN:
        when = f" le {short_datetime(gate.closed_at)}" if gate.closed_at else ""
        raise Refused(
            f"la décision « {gate.name} » {NOT_OPEN_PHRASES[gate.status]}{when} : "
            + (
                "sa version révisée n'est pas encore soumise"
                if gate.status is GateStatus.SENT_BACK
                else "aucune décision n'est attendue"
            ),
            f"decision on gate {gate.key} in status {gate.status.value}",
        )
    members = gate_members(session=session, gate=gate)
    if pk(person) not in {pk(m) for m in members}:
        raise Refused(
            # Not named: the id may be anyone's, from any atelier.
            f"cette personne n'est pas membre de la décision « {gate.name} »",
            f"person {person.id} is not a member of gate {gate.key}",
        )
    decisions = round_decisions(session=session, gate=gate)
    if any(d.person_id == pk(person) for d in decisions):
        raise Refused(
            f"{person.full_name} a déjà décidé pour « {gate.name} » (tour {gate.round})",
            f"person {person.id} already decided gate {gate.key} round {gate.round}",
        )
    if outcome is DecisionOutcome.APPROVE:
        _approvable(session, atelier, gate)
    if outcome is DecisionOutcome.SEND_BACK and not (comment and comment.strip()):
        raise Refused(
            "un renvoi pour reprise doit être motivé par un commentaire", "send back without comment"
        )
    decision = Decision(
        gate_id=pk(gate),
        round=gate.round,
        person_id=pk(person),
        outcome=outcome,
        comment=(comment or "").strip() or None,
        channel=channel,
        decided_at=now,
    )
    try:
        with session.begin_nested():
            session.add(decision)
    except IntegrityError:
        raise Refused(
            f"{person.full_name} a déjà décidé pour « {gate.name} »", "duplicate decision (race)"
        ) from None
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=person_actor(person.id),
        kind="gate_decision",
        at=now,
        gate=gate.key,
        round=gate.round,
        outcome=outcome.value,
        channel=channel.value,
        comment=decision.comment,
        **({"entered_by": person_actor(entered_by)} if entered_by is not None else {}),
    )
    result = gate_outcome(
        gate.quorum_rule, gate.quorum_n, len(members), [*(d.outcome for d in decisions), outcome]
    )
    if result is None:
        return DecisionResult(gate.key, gate.status, gate.round, closed_now=False)
    _close(session=session, atelier=atelier, gate=gate, status=result, now=now)
    return DecisionResult(gate.key, result, gate.round, closed_now=True)


def _approvable(session: Session, atelier: Atelier, gate: Gate) -> None:
    """What a gate needs before it can be approved: the commanditaire's answer, one per proposal."""
    answer_gate = answer_gate_of(session=session, atelier=atelier)
    if answer_gate is not None and pk(answer_gate) == pk(gate):
        missing = incomplete_answers(session=session, atelier=atelier)
        if missing is not None:
            raise Refused(
                f"la réponse n'est pas complète ({missing}) : l'équipe projet doit d'abord l'enregistrer",
                "answer gate approved before the answers are complete",
            )


CLOSED_KINDS = {
    GateStatus.APPROVED: "gate_approved",
    GateStatus.REJECTED: "gate_rejected",
    GateStatus.SENT_BACK: "gate_sent_back",
}


def _close(*, session: Session, atelier: Atelier, gate: Gate, status: GateStatus, now: datetime) -> None:
    gate.status = status
    gate.closed_at = now
    if status is GateStatus.SENT_BACK:
        gate.revised_at, gate.revision_note = None, None  # a new revision is awaited
    session.add(gate)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor="engine",
        kind=CLOSED_KINDS[status],
        at=now,
        gate=gate.key,
        round=gate.round,
        late=now > gate.due_at,
    )
    if status is GateStatus.APPROVED:
        answer_gate = answer_gate_of(session=session, atelier=atelier)
        if answer_gate is not None and pk(answer_gate) == pk(gate):
            publish_pending(session=session, atelier=atelier, now=now, actor="engine")
        step = session.get(Step, gate.step_id)
        if step is None:
            raise RuntimeError(f"gate {gate.key} without its step")
        if step.actual_end is not None and gate.revised_at is not None and step.actual_end <= gate.revised_at:
            return  # a new decision on a change (the quotas), asked after the meeting was done
        record_step_done(
            session=session,
            atelier=atelier,
            step_key=step.key,
            done_at=now,
            actor="engine",
            now=now,
            by_gate=True,
        )


MAX_REVISION_NOTE = 2000


def _revised_due_at(session: Session, atelier: Atelier, gate: Gate, now: datetime) -> datetime:
    """When a revised version (or a changed subject) put to the gate is due: the template's delay."""
    step = session.get(Step, gate.step_id)
    if step is None:
        raise RuntimeError(f"gate {gate.key} without its step")
    template = template_of(atelier)
    spec = template.step(step.key).gate
    days = spec.revised_decision_days if spec else 7
    return revised_decision_due_at(now, days, template, venue_calendar_of(atelier))


def record_revision(*, session: Session, atelier: Atelier, gate_key: str, note: str, now: datetime) -> Gate:
    """The team records the revised version of a sent-back gate; members are asked again at the
    engine's next pass, with ``note`` saying what changed, and decide within a set delay."""
    gate = get_gate(session=session, atelier=atelier, key=gate_key)
    if gate.status is not GateStatus.SENT_BACK:
        raise Refused(
            f"la décision « {gate.name} » n'a pas été renvoyée pour reprise "
            f"(état : {STATUS_LABELS[gate.status]}) : aucune version révisée n'est attendue",
            f"revision of gate {gate.key} in status {gate.status.value}",
        )
    if gate.revised_at is not None:
        raise Refused(
            f"la version révisée de « {gate.name} » est déjà enregistrée "
            f"(le {short_datetime(gate.revised_at)})",
            f"gate {gate.key} already revised",
        )
    text = " ".join(note.split())
    if not text:
        raise Refused("dites en une phrase ce qui a changé (option --note)", "revision without note")
    if len(text) > MAX_REVISION_NOTE:
        raise Refused(
            f"la note dépasse {MAX_REVISION_NOTE} caractères : résumez ce qui a changé",
            "revision note too long",
        )
    gate.revised_at, gate.revision_note = now, text
    gate.due_at = _revised_due_at(session, atelier, gate, now)
    session.add(gate)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor="team",
        kind="gate_revised",
        at=now,
        gate=gate.key,
        round=gate.round,
        due_at=gate.due_at.isoformat(),
    )
    return gate


def ask_again_after_change(
    *, session: Session, atelier: Atelier, gate: Gate, note: str, now: datetime
) -> None:
    """An approved decision whose subject changed (the quotas of the sample) is put to its members
    again, as a new round with ``note`` saying what changed, to be decided like a revised version."""
    if gate.status is not GateStatus.APPROVED:
        raise RuntimeError(f"gate {gate.key} asked again in status {gate.status.value}")
    gate.status = GateStatus.OPEN
    gate.round += 1
    gate.opened_at, gate.closed_at = now, None
    gate.revised_at, gate.revision_note = now, note
    gate.due_at = _revised_due_at(session, atelier, gate, now)
    session.add(gate)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor="engine",
        kind="gate_asked_again",
        at=now,
        gate=gate.key,
        round=gate.round,
        due_at=gate.due_at.isoformat(),
    )


def describe_round(*, session: Session, gate: Gate) -> str:
    members = len(gate_members(session=session, gate=gate))
    needed = votes_needed(gate.quorum_rule, gate.quorum_n, members) if members else 0
    decisions = round_decisions(session=session, gate=gate)
    approvals = sum(1 for d in decisions if d.outcome is DecisionOutcome.APPROVE)
    return (
        f"{gate.name} — {STATUS_LABELS[gate.status]}, tour {gate.round}, "
        f"{count(approvals, 'approbation')} sur {needed} requise{'s' if needed > 1 else ''}, "
        f"{count(len(decisions), 'réponse')} sur {members}"
    )


def outcome_label(outcome: DecisionOutcome) -> str:
    return OUTCOME_LABELS[outcome]


def find_member(*, session: Session, email: str) -> Person:
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise NotFound(f"personne inconnue : {email}", "unknown person")
    return person
