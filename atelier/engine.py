"""Advancing an atelier: small idempotent units of work on the database, the source of truth.

Each function is one transaction and can be repeated safely (compare-and-set on statuses,
unique keys on messages), so a flow that is retried or replayed after a crash does no harm.
The Prefect tasks in ``tasks/`` call these one to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.services.ateliers import get_atelier, template_of
from atelier.services.events import record_event
from atelier.services.gates import gate_asked_from, gate_is_ready, get_gate, open_gate
from atelier.services.replacements import propose_replacements
from atelier.services.timeline import record_step_done, refresh_forecast, stages_of, steps_of
from models import Atelier, Gate, Stage, Step
from models.enums import GateStatus, StageStatus, StepKind, StepStatus
from models.types import pk
from notifications.follow_up import sync_follow_up_messages
from notifications.outbox import SyncReport, sync_outbox
from notifications.volunteers import sync_volunteer_messages


@dataclass(frozen=True)
class StageState:
    key: str
    name: str
    status: StageStatus
    position: int


@dataclass(frozen=True)
class GateState:
    key: str
    status: GateStatus
    round: int


def stage_states(runtime: Runtime, slug: str) -> list[StageState]:
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        return [
            StageState(s.key, s.name, s.status, s.position)
            for s in stages_of(session=session, atelier=atelier)
        ]


def _stage(session: Session, atelier: Atelier, stage_key: str) -> Stage:
    return session.exec(select(Stage).where(Stage.atelier_id == pk(atelier), Stage.key == stage_key)).one()


def _settled(step: Step) -> bool:
    return step.status in (StepStatus.DONE, StepStatus.CANCELLED)


def stage_has_ready_step(runtime: Runtime, slug: str, stage_key: str) -> bool:
    """Whether any step of the stage has all its dependencies settled."""
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        steps = steps_of(session=session, atelier=atelier)
        stage = _stage(session, atelier, stage_key)
        by_key = {s.key: s for s in steps}
        return any(s.stage_id == stage.id and all(_settled(by_key[d]) for d in s.depends_on) for s in steps)


def open_stage(runtime: Runtime, slug: str, stage_key: str, now: datetime) -> bool:
    """Open the stage (pending → open). Returns True if this call opened it."""
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        stage = _stage(session, atelier, stage_key)
        if stage.status is not StageStatus.PENDING:
            return False
        stage.status = StageStatus.OPEN
        stage.opened_at = now
        atelier.current_stage_key = stage_key
        session.add_all([stage, atelier])
        record_event(
            session=session,
            atelier_id=pk(atelier),
            actor="engine",
            kind="stage_opened",
            at=now,
            stage=stage_key,
        )
        return True


def ask_gate(runtime: Runtime, slug: str, gate_key: str, now: datetime) -> GateState:
    """Ask the gate if its step is ready, or again once its revised version is recorded; return
    its state.

    Opening is a compare-and-set on the gate's status and round: a replayed or duplicated
    run finds the gate already open and asks nobody twice.
    """
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        gate = get_gate(session=session, atelier=atelier, key=gate_key)
        if gate.status in (GateStatus.PENDING, GateStatus.SENT_BACK) and gate_is_ready(
            session=session, gate=gate
        ):
            # A meeting's gate waits for its week before; a revised version is asked at once.
            asked_from = (
                gate_asked_from(session=session, atelier=atelier, gate=gate)
                if gate.status is GateStatus.PENDING
                else None
            )
            if asked_from is None or now >= asked_from:
                open_gate(session=session, atelier=atelier, gate=gate, now=now)
        return GateState(gate.key, gate.status, gate.round)


def waiting_gate_keys(runtime: Runtime, slug: str) -> list[str]:
    """Gates waiting for people: open, or sent back and about to be asked again."""
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        gates = session.exec(
            select(Gate)
            .where(
                Gate.atelier_id == pk(atelier), col(Gate.status).in_([GateStatus.OPEN, GateStatus.SENT_BACK])
            )
            .order_by(col(Gate.id))
        ).all()
        return [g.key for g in gates]


def stage_has_work(runtime: Runtime, slug: str, stage_key: str) -> bool:
    """Whether running the stage's flow now would change anything (saves idle flow runs)."""
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        stage = _stage(session, atelier, stage_key)
        if stage.status is StageStatus.DONE:
            return False
        steps = steps_of(session=session, atelier=atelier)
        by_key = {s.key: s for s in steps}
        by_id = {s.id: s for s in steps}

        def ready(step: Step) -> bool:
            return all(_settled(by_key[d]) for d in step.depends_on)

        stage_steps = [s for s in steps if s.stage_id == stage.id]
        if stage.status is StageStatus.PENDING:
            return any(ready(s) for s in stage_steps)
        gates = session.exec(select(Gate).where(Gate.atelier_id == pk(atelier))).all()
        gated = {g.step_id for g in gates}
        for gate in gates:
            step = by_id[gate.step_id]
            if step.stage_id == stage.id and (
                (gate.status is GateStatus.SENT_BACK and gate.revised_at is not None)
                or (gate.status is GateStatus.PENDING and ready(step))
            ):
                return True
        return any(
            s.kind is StepKind.MILESTONE and s.status is StepStatus.PENDING and s.id not in gated and ready(s)
            for s in stage_steps
        )


def gate_states(runtime: Runtime, slug: str, stage_key: str) -> list[GateState]:
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        stage = _stage(session, atelier, stage_key)
        gates = session.exec(
            select(Gate)
            .join(Step, Step.id == Gate.step_id)  # type: ignore[arg-type]
            .where(Gate.atelier_id == pk(atelier), Step.stage_id == pk(stage))
            .order_by(Gate.id)  # type: ignore[arg-type]
        ).all()
        return [GateState(g.key, g.status, g.round) for g in gates]


def complete_milestones(runtime: Runtime, slug: str, stage_key: str, now: datetime) -> list[str]:
    """Milestones without a gate (the avis handover) happen when what they follow is done."""
    done = []
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        steps = steps_of(session=session, atelier=atelier)
        by_key = {s.key: s for s in steps}
        stage = _stage(session, atelier, stage_key)
        gated = set(session.exec(select(Gate.step_id).where(Gate.atelier_id == pk(atelier))).all())
        for step in steps:
            if (
                step.stage_id == stage.id
                and step.kind is StepKind.MILESTONE
                and step.status is StepStatus.PENDING
                and step.id not in gated
                and step.depends_on
                and all(_settled(by_key[d]) for d in step.depends_on)
            ):
                when = max(by_key[d].actual_end or now for d in step.depends_on)
                record_step_done(
                    session=session, atelier=atelier, step_key=step.key, done_at=when, actor="engine", now=now
                )
                done.append(step.key)
    return done


def stage_is_done(runtime: Runtime, slug: str, stage_key: str) -> bool:
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        stage = _stage(session, atelier, stage_key)
        return stage.status is StageStatus.DONE


def finish_if_complete(runtime: Runtime, slug: str, now: datetime) -> bool:
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        stages = stages_of(session=session, atelier=atelier)
        pending = [s for s in stages if s.status is not StageStatus.DONE]
        atelier.current_stage_key = pending[0].key if pending else None
        if not pending and atelier.completed_at is None:
            atelier.completed_at = now
            record_event(
                session=session, atelier_id=pk(atelier), actor="engine", kind="atelier_completed", at=now
            )
        session.add(atelier)
        return not pending


@dataclass(frozen=True)
class TimelineCheck:
    risk: str
    slack_days: int
    forecast_avis_at: datetime


def refresh_timeline(runtime: Runtime, slug: str, now: datetime) -> TimelineCheck:
    """The daily check: forecasts from actuals and now; a new risk is logged (and alerted)."""
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        timeline = refresh_forecast(session=session, atelier=atelier, now=now)
        return TimelineCheck(timeline.risk.value, timeline.slack_days, timeline.avis_end)


def sync_messages(runtime: Runtime, slug: str, now: datetime) -> SyncReport:
    """Queue the messages the atelier's state calls for (the outbox is the queue); drop-outs of
    the panel get their replacement proposed first, so that an approved one is invited now."""
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        propose_replacements(session=session, atelier=atelier, now=now)
        report = sync_outbox(
            session=session, atelier=atelier, settings=runtime.settings, signer=runtime.signer, now=now
        )
        told = sync_volunteer_messages(session=session, atelier=atelier, settings=runtime.settings, now=now)
        told += sync_follow_up_messages(
            session=session, atelier=atelier, settings=runtime.settings, signer=runtime.signer, now=now
        )
        return SyncReport(report.queued + told, report.cancelled)


def stage_gate_keys(runtime: Runtime, slug: str, stage_key: str) -> list[str]:
    """The stage's gates in the template's order (the order they must pass)."""
    with transaction(runtime.engine) as session:
        template = template_of(get_atelier(session=session, slug=slug))
    return [s.gate.key for s in template.steps if s.stage == stage_key and s.gate is not None]


def advance_plain(runtime: Runtime, slug: str, now: datetime) -> bool:
    """The lifecycle's steps as plain calls, without Prefect (benchmark baseline, unit tests).

    Returns whether the atelier is complete. Mirrors ``flows.lifecycle.advance_atelier``.
    """
    previous_open = True
    for stage in stage_states(runtime, slug):
        if stage.status is StageStatus.DONE:
            continue
        if not previous_open:
            break
        if stage_has_work(runtime, slug, stage.key):
            open_stage(runtime, slug, stage.key, now)
            for gate_key in stage_gate_keys(runtime, slug, stage.key):
                if ask_gate(runtime, slug, gate_key, now).status is not GateStatus.APPROVED:
                    break
            else:
                complete_milestones(runtime, slug, stage.key, now)
            previous_open = True
        else:
            previous_open = stage.status is StageStatus.OPEN
    refresh_timeline(runtime, slug, now)
    sync_messages(runtime, slug, now)
    return finish_if_complete(runtime, slug, now)
