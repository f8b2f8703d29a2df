"""Units of work on an atelier's stages and gates: open a stage, ask a gate, pass a milestone,
close the atelier. Each is one transaction and can be repeated safely."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from atelier.bootstrap import current
from atelier.db import transaction
from atelier.services.ateliers import get_atelier
from atelier.services.events import record_event
from atelier.services.gates import gate_asked_from, gate_is_ready, get_gate, open_gate
from atelier.services.timeline import record_step_done, stages_of, steps_of
from atelier.stages import GateState, settled, stage_of
from models import Gate
from models.enums import GateStatus, StageStatus, StepKind, StepStatus
from models.types import pk
from tasks.unit import unit


@unit("ouvrir l'étape", "{slug} · ouvrir {stage_key}")
def open_stage(slug: str, stage_key: str, now: datetime) -> bool:
    """Open the stage (pending → open). Returns True if this call opened it."""
    with transaction(current().engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        stage = stage_of(session, atelier, stage_key)
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


@unit("soumettre une décision", "{slug} · décision {gate_key}")
def ask_gate(slug: str, gate_key: str, now: datetime) -> GateState:
    """Ask the gate if its step is ready, or again once its revised version is recorded; return
    its state.

    Opening is a compare-and-set on the gate's status and round: a replayed or duplicated
    run finds the gate already open and asks nobody twice.
    """
    with transaction(current().engine) as session:
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


@unit("franchir les jalons", "{slug} · jalons {stage_key}")
def complete_milestones(slug: str, stage_key: str, now: datetime) -> list[str]:
    """Milestones without a gate (the avis handover) happen when what they follow is done."""
    done = []
    with transaction(current().engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        steps = steps_of(session=session, atelier=atelier)
        by_key = {s.key: s for s in steps}
        stage = stage_of(session, atelier, stage_key)
        gated = set(session.exec(select(Gate.step_id).where(Gate.atelier_id == pk(atelier))).all())
        for step in steps:
            if (
                step.stage_id == stage.id
                and step.kind is StepKind.MILESTONE
                and step.status is StepStatus.PENDING
                and step.id not in gated
                and step.depends_on
                and all(settled(by_key[d]) for d in step.depends_on)
            ):
                when = max(by_key[d].actual_end or now for d in step.depends_on)
                record_step_done(
                    session=session, atelier=atelier, step_key=step.key, done_at=when, actor="engine", now=now
                )
                done.append(step.key)
    return done


@unit("clore l'atelier si terminé", "{slug} · fin ?")
def finish_if_complete(slug: str, now: datetime) -> bool:
    """The atelier completed once every stage is done; its current stage the first one that is not."""
    with transaction(current().engine) as session:
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
