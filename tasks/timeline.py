"""The unit of work that keeps the four-month timeline true."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from atelier.bootstrap import current
from atelier.db import transaction
from atelier.services.ateliers import get_atelier
from atelier.services.timeline import refresh_forecast
from tasks.unit import unit


@dataclass(frozen=True)
class TimelineCheck:
    risk: str
    slack_days: int
    forecast_avis_at: datetime


@unit("mettre à jour le calendrier", "{slug} · calendrier")
def refresh_timeline(slug: str, now: datetime) -> TimelineCheck:
    """The daily check: forecasts from actuals and now; a new risk is logged (and alerted)."""
    with transaction(current().engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        timeline = refresh_forecast(session=session, atelier=atelier, now=now)
        return TimelineCheck(timeline.risk.value, timeline.slack_days, timeline.avis_end)
