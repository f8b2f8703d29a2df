"""The portfolio: every atelier someone follows, one line each, the most urgent first.

Pure rules over figures the service reads in a few queries: what state an atelier is in, what needs
attention (the page's badges and the team's weekly digest say the same), and in what order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from atelier.french import count
from atelier.i18n import short_date
from atelier.planning.timeline import Risk


class Standing(StrEnum):
    """Where an atelier stands, the most urgent first (the enum's order is the sort order)."""

    OVERDUE = "en_retard"  # a decision past its deadline, or the avis forecast past its date
    AT_RISK = "a_risque"  # little margin left, messages failing, drop-outs not replaced
    RUNNING = "en_cours"
    COMPLETED = "termine"


STANDING_LABELS = {
    Standing.OVERDUE: "en retard",
    Standing.AT_RISK: "à risque",
    Standing.RUNNING: "dans les temps",
    Standing.COMPLETED: "terminé",
}
STANDING_ORDER = list(Standing)


@dataclass(frozen=True)
class WaitingGate:
    name: str
    opened_at: datetime | None
    deadline: datetime  # past it, the decision is overdue


@dataclass(frozen=True)
class AtelierFigures:
    """What the portfolio needs of one atelier."""

    slug: str
    title: str
    stage: str
    next_step: str | None
    next_step_at: datetime | None
    margin_days: int | None  # days between the avis forecast and its target date (negative: late)
    risk: Risk
    gates: tuple[WaitingGate, ...]  # open, waiting for decisions
    failed_messages: int
    dropouts_waiting: int  # drop-outs whose replacement waits for the team
    completed: bool
    stuck_since: datetime | None = None  # advancing it fails since then


def overdue_gates(figures: AtelierFigures, now: datetime) -> list[WaitingGate]:
    return [g for g in figures.gates if g.deadline < now]


def standing(figures: AtelierFigures, now: datetime) -> Standing:
    if figures.completed:
        return Standing.COMPLETED
    if (
        figures.stuck_since is not None
        or overdue_gates(figures, now)
        or (figures.margin_days is not None and figures.margin_days < 0)
    ):
        return Standing.OVERDUE
    if figures.risk is not Risk.ON_TRACK or figures.failed_messages or figures.dropouts_waiting:
        return Standing.AT_RISK
    return Standing.RUNNING


def attention(figures: AtelierFigures, now: datetime) -> list[str]:
    """What is late or at risk, one French line each; nothing when all is well."""
    if figures.completed:
        return []
    lines = []
    if figures.stuck_since is not None:
        lines.append(
            f"ne progresse plus depuis le {short_date(figures.stuck_since)} : un incident technique l'arrête"
        )
    for gate in overdue_gates(figures, now):
        late = (now - gate.deadline) // timedelta(days=1)
        lines.append(
            f"décision « {gate.name} » attendue depuis le {short_date(gate.deadline)}"
            + (f" ({count(late, 'jour')} de retard)" if late else "")
        )
    if figures.margin_days is not None and figures.margin_days < 0:
        lines.append(f"remise de l'avis prévue {count(-figures.margin_days, 'jour')} après la date visée")
    elif figures.risk is not Risk.ON_TRACK:
        margin = "" if figures.margin_days is None else f" ({count(figures.margin_days, 'jour')} de marge)"
        lines.append(f"marge faible avant la remise de l'avis{margin}")
    if figures.failed_messages:
        lines.append(count(figures.failed_messages, "message en échec", "messages en échec"))
    if figures.dropouts_waiting:
        lines.append(
            count(figures.dropouts_waiting, "désistement attend", "désistements attendent") + " un remplaçant"
        )
    return lines


def gate_wait_days(gate: WaitingGate, now: datetime) -> int:
    return 0 if gate.opened_at is None else (now - gate.opened_at) // timedelta(days=1)


SORTS = ("urgence", "atelier", "avis", "decisions", "echecs")


def ordered(lines: list[AtelierFigures], now: datetime, sort: str = "urgence") -> list[AtelierFigures]:
    """Sorted as the page asks; by urgency (the default): state, then the least margin."""

    def urgency(f: AtelierFigures) -> tuple[int, int, str]:
        margin = f.margin_days if f.margin_days is not None else 10_000
        return STANDING_ORDER.index(standing(f, now)), margin, f.title

    keys = {
        "urgence": urgency,
        "atelier": lambda f: (f.title.casefold(),),
        "avis": lambda f: (f.margin_days if f.margin_days is not None else 10_000, f.title),
        "decisions": lambda f: (-len(f.gates), f.title),
        "echecs": lambda f: (-f.failed_messages, f.title),
    }
    return sorted(lines, key=keys.get(sort, urgency))
