"""What the lifecycle reads about an atelier: its stages (from the database, their order and what
opens each from its template), its gates, and whether a stage has anything to do.

Reads only: the lifecycle's writes are the units of work in ``tasks/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.planning.template import template_of
from atelier.services.ateliers import get_atelier
from atelier.services.timeline import stages_of, steps_of
from models import Atelier, Gate, Stage, Step
from models.enums import GateStatus, StageStatus, StepKind, StepStatus
from models.types import pk


@dataclass(frozen=True)
class StageState:
    key: str
    name: str
    status: StageStatus
    position: int
    after: tuple[str, ...]  # the stages that must have opened before this one may run
    title: str  # its flow run's name after the slug


@dataclass(frozen=True)
class GateState:
    key: str
    status: GateStatus
    round: int


def stage_of(session: Session, atelier: Atelier, stage_key: str) -> Stage:
    return session.exec(select(Stage).where(Stage.atelier_id == pk(atelier), Stage.key == stage_key)).one()


def settled(step: Step) -> bool:
    return step.status in (StepStatus.DONE, StepStatus.CANCELLED)


def stage_states(runtime: Runtime, slug: str) -> list[StageState]:
    """The atelier's stages in order, with what opens each one (from its template)."""
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        template = template_of(atelier)
        specs = {spec.key: spec for spec in template.stages}
        states = []
        for stage in stages_of(session=session, atelier=atelier):
            spec = specs.get(stage.key)
            states.append(
                StageState(
                    stage.key,
                    stage.name,
                    stage.status,
                    stage.position,
                    after=tuple(template.stage_after(stage.key)) if spec else (),
                    title=spec.title if spec else stage.name.lower(),
                )
            )
        return states


def stage_has_work(runtime: Runtime, slug: str, stage_key: str) -> bool:
    """Whether running the stage now would change anything (saves idle flow runs)."""
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        stage = stage_of(session, atelier, stage_key)
        if stage.status is StageStatus.DONE:
            return False
        steps = steps_of(session=session, atelier=atelier)
        by_key = {s.key: s for s in steps}
        by_id = {s.id: s for s in steps}

        def ready(step: Step) -> bool:
            return all(settled(by_key[d]) for d in step.depends_on)

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


def stage_gate_keys(runtime: Runtime, slug: str, stage_key: str) -> list[str]:
    """The stage's gates in the template's order (the order they must pass)."""
    with transaction(runtime.engine) as session:
        template = template_of(get_atelier(session=session, slug=slug))
    return [s.gate.key for s in template.steps if s.stage == stage_key and s.gate is not None]


def stage_is_done(runtime: Runtime, slug: str, stage_key: str) -> bool:
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        return stage_of(session, atelier, stage_key).status is StageStatus.DONE


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


def rejected_gate_keys(runtime: Runtime, slug: str) -> list[str]:
    """Gates the COPIL rejected: the atelier is halted while there is one."""
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        query = select(Gate.key).where(Gate.atelier_id == pk(atelier), Gate.status == GateStatus.REJECTED)
        return list(session.exec(query).all())
