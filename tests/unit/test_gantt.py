"""The Gantt chart's layout: a pure function of the steps' dates, the deadline and today."""

from datetime import UTC, date, datetime, timedelta

from atelier.planning.french_calendar import VenueCalendar
from atelier.planning.template import get_template
from atelier.planning.timeline import plan_timeline
from atelier.web.workspace.gantt import LABEL_WIDTH, GanttStep, gantt_chart

TEMPLATE = get_template("atelier_citoyen")
PLAN = plan_timeline(TEMPLATE, date(2027, 1, 11), venue=VenueCalendar("75"))
STEPS = [
    GanttStep(
        key=key,
        name=key,
        planned_start=dates.start,
        planned_end=dates.end,
        forecast_start=dates.start,
        forecast_end=dates.end + (timedelta(days=7) if key == "weekend_2" else timedelta(0)),
        actual_end=dates.end if key == "reunion_demande" else None,
        critical=key in PLAN.critical_path,
    )
    for key, dates in PLAN.steps.items()
]
NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def test_every_step_is_a_row_in_order_with_its_dates_side_by_side() -> None:
    """One row per step, in order; a late forecast ends right of its plan; actual marked where recorded."""
    chart = gantt_chart(STEPS, deadline=PLAN.target_avis_date, now=NOW, venue=VenueCalendar("75"))
    assert [r.key for r in chart.rows] == [s.key for s in STEPS]
    assert [r.y for r in chart.rows] == sorted(r.y for r in chart.rows)
    rows = {r.key: r for r in chart.rows}
    moved = rows["weekend_2"]
    assert moved.late and moved.forecast.x + moved.forecast.width > moved.planned.x + moved.planned.width
    assert rows["reunion_demande"].actual_x is not None and rows["weekend_1"].actual_x is None
    assert all(r.planned.x >= LABEL_WIDTH for r in chart.rows)
    assert {r.key for r in chart.rows if r.critical} == set(PLAN.critical_path)


def test_today_deadline_weekends_and_holidays_are_placed_on_the_axis() -> None:
    """Today's line falls between the first and last dates; the deadline line is right of the avis;
    Easter Monday 2027 is shaded like a weekend."""
    chart = gantt_chart(STEPS, deadline=PLAN.target_avis_date, now=NOW, venue=VenueCalendar("75"))
    avis = next(r for r in chart.rows if r.key == "remise_avis")
    assert chart.today_x is not None and LABEL_WIDTH < chart.today_x < avis.forecast.x
    assert chart.deadline_x is not None and chart.deadline_x > avis.forecast.x
    per_day = (chart.width - LABEL_WIDTH) / ((chart.last_day - chart.first_day).days + 1)
    easter_monday_x = round(LABEL_WIDTH + (date(2027, 3, 29) - chart.first_day).days * per_day, 1)
    tuesday_x = round(easter_monday_x + per_day, 1)
    shaded = {bar.x for bar in chart.shaded}
    assert easter_monday_x in shaded and tuesday_x not in shaded
    assert chart.months[0].label == "janv. 2027"
    far = gantt_chart(
        STEPS, deadline=PLAN.target_avis_date, now=NOW + timedelta(days=400), venue=VenueCalendar("75")
    )
    assert far.today_x is None
