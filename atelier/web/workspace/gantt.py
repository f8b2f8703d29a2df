"""The timeline as a Gantt chart: a pure layout (positions in SVG units) from the steps' dates.

Rendered as SVG on the server by ``templates/workspace/gantt.svg.html``: testable, printable,
no script. Planned, forecast and actual dates sit side by side on each row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from atelier.clock import PARIS, ensure_utc
from atelier.planning.french_calendar import VenueCalendar

LABEL_WIDTH = 230  # the step names, left of the time axis
CHART_WIDTH = 760  # the time axis
ROW_HEIGHT = 22
HEADER_HEIGHT = 34
# A step shorter than this still shows as a visible bar (a meeting of two hours).
MIN_BAR = 3.0


@dataclass(frozen=True)
class GanttStep:
    """What the chart needs of a step (a ``models.Step`` and its gate, read by the caller)."""

    key: str
    name: str
    planned_start: datetime
    planned_end: datetime
    forecast_start: datetime
    forecast_end: datetime
    actual_end: datetime | None
    critical: bool
    gate_due: datetime | None = None  # a gate decides this step


@dataclass(frozen=True)
class Bar:
    x: float
    width: float


@dataclass(frozen=True)
class GanttRow:
    key: str
    name: str
    y: float
    planned: Bar
    forecast: Bar
    actual_x: float | None
    gate_x: float | None
    critical: bool
    late: bool  # forecast ends after plan


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class GanttChart:
    width: int
    height: int
    label_width: int
    rows: tuple[GanttRow, ...]
    months: tuple[Tick, ...]
    shaded: tuple[Bar, ...]  # weekends and public holidays of the venue
    today_x: float | None
    deadline_x: float | None
    first_day: date
    last_day: date


def _day(moment: datetime) -> date:
    return ensure_utc(moment).astimezone(PARIS).date()


MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def gantt_chart(
    steps: Sequence[GanttStep],
    *,
    deadline: date,
    now: datetime,
    venue: VenueCalendar,
) -> GanttChart:
    """Lay out every step on one time axis from the first date to the last (deadline included)."""
    moments = [m for s in steps for m in (s.planned_start, s.planned_end, s.forecast_start, s.forecast_end)]
    moments += [s.actual_end for s in steps if s.actual_end is not None]
    first = min(_day(m) for m in moments) - timedelta(days=3)
    last = max([*(_day(m) for m in moments), deadline]) + timedelta(days=3)
    days = (last - first).days + 1
    scale = CHART_WIDTH / days

    def x_of(moment: datetime) -> float:
        local = ensure_utc(moment).astimezone(PARIS)
        offset = (local.date() - first).days + (local.hour * 60 + local.minute) / 1440
        return round(LABEL_WIDTH + offset * scale, 1)

    def bar(start: datetime, end: datetime) -> Bar:
        x = x_of(start)
        return Bar(x, round(max(x_of(end) - x, MIN_BAR), 1))

    rows = tuple(
        GanttRow(
            key=s.key,
            name=s.name,
            y=HEADER_HEIGHT + index * ROW_HEIGHT,
            planned=bar(s.planned_start, s.planned_end),
            forecast=bar(s.forecast_start, s.forecast_end),
            actual_x=x_of(s.actual_end) if s.actual_end is not None else None,
            gate_x=x_of(s.gate_due) if s.gate_due is not None else None,
            critical=s.critical,
            late=s.actual_end is None and s.forecast_end > s.planned_end,
        )
        for index, s in enumerate(steps)
    )
    shaded = []
    months = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        x = round(LABEL_WIDTH + offset * scale, 1)
        if day.weekday() >= 5 or venue.public_holiday(day) is not None:
            shaded.append(Bar(x, round(scale, 1)))
        if day.day == 1 or offset == 0:
            months.append(Tick(x, f"{MONTHS[day.month - 1]} {day.year}"))
    today = _day(now)
    return GanttChart(
        width=LABEL_WIDTH + CHART_WIDTH,
        height=HEADER_HEIGHT + len(rows) * ROW_HEIGHT + 8,
        label_width=LABEL_WIDTH,
        rows=rows,
        months=tuple(months),
        shaded=tuple(shaded),
        today_x=x_of(now) if first <= today <= last else None,
        deadline_x=round(LABEL_WIDTH + ((deadline - first).days + 1) * scale, 1),
        first_day=first,
        last_day=last,
    )
