"""What a stage flow reports back to the lifecycle."""

from dataclasses import dataclass, field
from datetime import datetime

from models.enums import GateStatus


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


def gates_in_order(slug: str, stage_key: str, now: datetime) -> StageReport | None:
    """Ask each gate of the stage in order; stop at the first one not approved (none is skipped)."""
    from tasks.stage_tasks import ask_gate, stage_gates

    for gate_key in stage_gates(slug, stage_key):
        state = ask_gate(slug, gate_key, now)
        if state.status is not GateStatus.APPROVED:
            return StageReport(stage_key, done=False, waiting_on_gate=gate_key, gate_status=state.status)
    return None
