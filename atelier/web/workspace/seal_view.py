"""What the recruitment page says of a seal under way, from the lottery row and now (pure)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from atelier.clock import ensure_utc
from atelier.i18n import hour, percent, short_datetime
from atelier.services.sealing import SEAL_LEASE
from models import PanelLottery

STALLED = "le calcul ne donne plus de nouvelles : un moteur le reprendra depuis le début"
NO_ENGINE = (
    "aucun moteur ne l'a encore pris en charge : vérifiez auprès de l'exploitation que le moteur "
    "fonctionne (page /sante)"
)
STALLED = "le calcul ne donne plus de nouvelles : un moteur le reprendra depuis le début"
ENGINE_PATIENCE = timedelta(minutes=1)  # a seal waiting longer for an engine: the page says to check it


@dataclass(frozen=True)
class SealView:
    """What the recruitment page says of a seal under way."""

    waiting: str  # when it was asked for, and its state, in French
    progress: str | None  # where the search stands
    seconds: float  # of search so far
    limit: float | None  # the deadline, in seconds
    worry: str | None  # what the team should check, if anything


def seal_view(lottery: PanelLottery | None, now: datetime) -> SealView | None:
    """The seal under way (None when none is asked for): a pure function of the row and now."""
    if lottery is None or lottery.seal_requested_at is None or lottery.sealed_at is not None:
        return None
    asked = f"Scellement demandé le {short_datetime(lottery.seal_requested_at)}"
    limit = lottery.seal_max_seconds
    if lottery.seal_started_at is None:
        late = ensure_utc(now) - ensure_utc(lottery.seal_requested_at) > ENGINE_PATIENCE
        waiting = f"{asked} : le calcul commencera dès qu'un moteur le prendra en charge."
        return SealView(waiting, None, 0.0, limit, NO_ENGINE if late else None)
    started = hour(lottery.seal_started_at)
    progress, seconds = None, 0.0
    if lottery.seal_progress is not None:
        p = json.loads(lottery.seal_progress)
        seconds = float(p["seconds"])
        bound = f", borne prouvée {percent(p['bound'], 3)}" if math.isfinite(p["bound"]) else ""
        progress = (
            f"{p['rounds']} tours de recherche, plus faible probabilité {percent(p['minimum'], 3)}"
            f"{bound}, après {seconds:.0f} s."
        )
    beat = lottery.seal_beat_at or lottery.seal_started_at
    stalled = ensure_utc(now) - ensure_utc(beat) > SEAL_LEASE
    running = f"{asked} : calcul en cours depuis {started}."
    return SealView(running, progress, seconds, limit, STALLED if stalled else None)
