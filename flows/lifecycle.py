"""The lifecycle: the stages its template lists, in order, then the timeline and the messages.

A short run, triggered when something happens (a decision, a step done, the daily check). It holds
no state of its own: it reads the database, advances what can advance, and ends. A stage runs once
every stage in its ``after`` has opened (by default the one before it), and only when it has
something to do, to spare idle runs; while a gate stands rejected, no stage runs.

Written once, run two ways (``flows/binding.py``): ``advance_atelier`` is the Prefect flow the
product runs; ``advance_without_prefect`` runs the same code as plain calls, for tests and
benchmarks that want speed without a server.

No ``from __future__ import annotations`` in ``flows/`` (see ``flows/deployed.py``).
"""

from dataclasses import dataclass, field
from datetime import datetime

from prefect import flow

from atelier.bootstrap import Runtime, current, using
from atelier.stages import rejected_gate_keys, stage_has_work, stage_states, waiting_gate_keys
from flows.binding import PLAIN, PREFECT, Binding
from flows.stage import run_stage
from models.enums import StageStatus
from tasks.messages import (
    propose_panel_replacements,
    queue_follow_up_messages,
    queue_messages,
    queue_team_digest,
    queue_volunteer_messages,
)
from tasks.stages import finish_if_complete
from tasks.timeline import refresh_timeline


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


def lifecycle(binding: Binding, slug: str, now: datetime) -> LifecycleReport:
    runtime, run = current(), binding.run
    stages_run: list[str] = []
    opened: set[str] = set()
    # A rejected gate stops every stage until the COPIL decides otherwise, whatever their steps.
    halted = bool(rejected_gate_keys(runtime, slug))
    for stage in stage_states(runtime, slug):
        if stage.status is not StageStatus.PENDING:
            opened.add(stage.key)
        if stage.status is StageStatus.DONE or halted or not opened.issuperset(stage.after):
            continue
        if stage_has_work(runtime, slug, stage.key):
            report = run_stage(binding, slug, stage, now)
            stages_run.append(stage.key)
            opened.add(stage.key)
            halted = halted or report.halted
    check = run(refresh_timeline)(slug, now)
    run(propose_panel_replacements)(slug, now)
    sync = run(queue_messages)(slug, now)
    told = run(queue_volunteer_messages)(slug, now) + run(queue_follow_up_messages)(slug, now)
    told += run(queue_team_digest)(slug, now)
    completed = run(finish_if_complete)(slug, now)
    return LifecycleReport(
        slug=slug,
        stages_run=stages_run,
        waiting_on=waiting_gate_keys(runtime, slug),
        risk=check.risk,
        queued=sync.queued + told,
        cancelled=sync.cancelled,
        completed=completed,
        halted=halted,
    )


@flow(name="cycle-de-vie", flow_run_name="{slug} · cycle de vie", log_prints=True)
def advance_atelier(slug: str, now: datetime) -> LifecycleReport:
    """The lifecycle as the product runs it: a flow run, its stages flow runs, its units tasks."""
    return lifecycle(PREFECT, slug, now)


def advance_without_prefect(runtime: Runtime, slug: str, now: datetime) -> LifecycleReport:
    """The same lifecycle as plain calls on ``runtime``, with no Prefect server."""
    with using(runtime):
        return lifecycle(PLAIN, slug, now)
