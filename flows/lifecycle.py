"""The lifecycle: runs the five stage flows in order, then updates the timeline and messages.

A short run, triggered when something happens (a decision, a step done, the daily check).
It holds no state of its own: it reads the database, advances what can advance, and ends.
A stage runs only once the previous one has opened; a stage's flow is skipped when it has
nothing to do, to spare idle runs.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from prefect import flow

from flows.atelier import atelier
from flows.cadrage import cadrage
from flows.demande import travail_de_la_demande
from flows.droit_de_suite import droit_de_suite
from flows.logistique import preparation_logistique
from flows.report import StageReport
from models.enums import StageStatus
from tasks.stage_tasks import (
    finish_if_complete,
    queue_messages,
    read_stages,
    refresh_timeline,
    stage_has_work,
    waiting_gates,
)

STAGE_FLOWS: dict[str, Callable[..., StageReport]] = {
    "demande": travail_de_la_demande,
    "cadrage": cadrage,
    "logistique": preparation_logistique,
    "atelier": atelier,
    "droit_de_suite": droit_de_suite,
}


@dataclass(frozen=True)
class LifecycleReport:
    slug: str
    stages_run: list[str] = field(default_factory=list)
    waiting_on: list[str] = field(default_factory=list)
    risk: str = "on_track"
    queued: int = 0
    cancelled: int = 0
    completed: bool = False
    halted: bool = False


@flow(name="cycle-de-vie", flow_run_name="{slug} · cycle de vie", log_prints=True)
def advance_atelier(slug: str, now: datetime) -> LifecycleReport:
    stages_run: list[str] = []
    halted = False
    previous_open = True
    for stage in read_stages(slug):
        if stage.status is StageStatus.DONE:
            continue
        if not previous_open or halted:
            break
        if stage_has_work(slug, stage.key):
            report = STAGE_FLOWS[stage.key](slug=slug, now=now)
            stages_run.append(stage.key)
            halted = report.halted
            previous_open = True
        else:
            previous_open = stage.status is StageStatus.OPEN
    check = refresh_timeline(slug, now)
    sync = queue_messages(slug, now)
    completed = finish_if_complete(slug, now)
    waiting = waiting_gates(slug)
    return LifecycleReport(
        slug=slug,
        stages_run=stages_run,
        waiting_on=waiting,
        risk=check.risk,
        queued=sync.queued,
        cancelled=sync.cancelled,
        completed=completed,
        halted=halted,
    )
