"""One stage of the lifecycle, whichever it is: the template says which stages there are and which
gates and steps each has; this body is the same for every one.

Open the stage; ask its gates in the template's order, stopping at the first one not approved (none
is skipped; a rejected one halts the atelier); once all have passed, the milestones that need no
decision (the avis handover) are passed.

No ``from __future__ import annotations`` in ``flows/`` (see ``flows/deployed.py``).
"""

from dataclasses import dataclass, field
from datetime import datetime

from prefect import flow

from atelier.bootstrap import current
from atelier.stages import StageState, stage_gate_keys, stage_is_done
from flows.binding import PREFECT, Binding
from models.enums import GateStatus
from tasks.stages import ask_gate, complete_milestones, open_stage


@dataclass(frozen=True)
class StageReport:
    stage: str
    done: bool
    waiting_on_gate: str | None = None
    gate_status: GateStatus | None = None
    milestones: list[str] = field(default_factory=list)

    @property
    def halted(self) -> bool:
        """A rejected gate stops the atelier until the COPIL decides otherwise."""
        return self.gate_status is GateStatus.REJECTED


def advance_stage(binding: Binding, slug: str, stage_key: str, now: datetime) -> StageReport:
    run = binding.run
    run(open_stage)(slug, stage_key, now)
    for gate_key in stage_gate_keys(current(), slug, stage_key):
        state = run(ask_gate)(slug, gate_key, now)
        if state.status is not GateStatus.APPROVED:
            return StageReport(stage_key, done=False, waiting_on_gate=gate_key, gate_status=state.status)
    passed = run(complete_milestones)(slug, stage_key, now)
    return StageReport(stage_key, done=stage_is_done(current(), slug, stage_key), milestones=passed)


@flow(name="etape", log_prints=True)
def stage_flow(slug: str, stage_key: str, now: datetime) -> StageReport:
    """A stage as a flow run of its own (named after it, see ``run_stage``)."""
    return advance_stage(PREFECT, slug, stage_key, now)


def run_stage(binding: Binding, slug: str, stage: StageState, now: datetime) -> StageReport:
    """The stage as the binding runs it: a flow run « <slug> · <title> », or plain calls."""
    if not binding.stages_as_flow_runs:
        return advance_stage(binding, slug, stage.key, now)
    name = f"{slug} · {stage.title}".replace("{", "{{").replace("}", "}}")  # a format string
    return stage_flow.with_options(flow_run_name=name)(slug=slug, stage_key=stage.key, now=now)
