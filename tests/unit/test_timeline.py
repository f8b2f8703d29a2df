from datetime import UTC, date, datetime, timedelta

import pytest
from holidays import country_holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.clock import PARIS
from atelier.planning.template import get_template
from atelier.planning.timeline import (
    Risk,
    add_months,
    forecast_timeline,
    plan_timeline,
)
from models.enums import StepKind

DECISION = date(2027, 1, 11)


def is_public_holiday(day: date) -> bool:
    return day in country_holidays("FR", years=day.year)


def _local(value: datetime) -> datetime:
    return value.astimezone(PARIS)


def test_default_plan_for_january_2027() -> None:
    """Decision 2027-01-11: weekends Sat 10:00 – Sun 17:00 Paris, no holiday, avis by 2027-05-11."""
    template = get_template("atelier_citoyen")
    timeline = plan_timeline(template, DECISION)
    weekends = [timeline.steps[s.key] for s in template.steps if s.kind is StepKind.WEEKEND]
    assert len(weekends) == 2
    for weekend in weekends:
        start, end = _local(weekend.start), _local(weekend.end)
        assert start.weekday() == 5 and (start.hour, start.minute) == (10, 0)
        assert end.weekday() == 6 and (end.hour, end.minute) == (17, 0)
        assert end.date() - start.date() == timedelta(days=1)
        assert not is_public_holiday(start.date()) and not is_public_holiday(end.date())
    assert _local(timeline.avis_end).date() <= date(2027, 5, 11)
    assert timeline.target_avis_date == date(2027, 5, 11)
    assert timeline.risk is Risk.ON_TRACK
    assert timeline.critical_path[0] == "decision"
    assert timeline.critical_path[-1] == "remise_avis"


def test_copil_three_weeks_late_moves_downstream_and_flags_risk() -> None:
    """COPIL 1 recorded 21 days late pushes every later milestone and puts the avis at risk."""
    template = get_template("atelier_citoyen")
    plan = plan_timeline(template, DECISION)
    late = plan.steps["copil_1"].end + timedelta(days=21)
    forecast = forecast_timeline(
        template,
        DECISION,
        planned={k: (s.start, s.end) for k, s in plan.steps.items()},
        actuals={"decision": plan.steps["decision"].end, "copil_1": late},
    )
    for key in ("copil_2", "recrutement", "copil_3", "weekend_1", "weekend_2", "remise_avis"):
        assert forecast.steps[key].end > plan.steps[key].end, key
    # Steps that do not depend on COPIL 1 keep their plan.
    assert forecast.steps["cahier_des_charges"].end == plan.steps["cahier_des_charges"].end
    assert forecast.risk is Risk.AT_RISK
    assert forecast.slack_days < 0
    assert any("COPIL n°1" in r and "21 jours de retard" in r for r in forecast.reasons)


def test_overdue_step_is_forecast_from_now() -> None:
    """A step not recorded by its date is forecast at the earliest from now, not in the past."""
    template = get_template("atelier_citoyen")
    plan = plan_timeline(template, DECISION)
    now = plan.steps["reunion_demande"].end + timedelta(days=10)
    forecast = forecast_timeline(
        template,
        DECISION,
        planned={k: (s.start, s.end) for k, s in plan.steps.items()},
        actuals={"decision": plan.steps["decision"].end},
        now=now,
    )
    assert forecast.steps["reunion_demande"].start >= now
    assert forecast.steps["cahier_des_charges"].end > plan.steps["cahier_des_charges"].end


def test_forecast_never_earlier_than_plan() -> None:
    """A step done early does not pull booked events earlier than planned."""
    template = get_template("atelier_citoyen")
    plan = plan_timeline(template, DECISION)
    early = plan.steps["copil_1"].end - timedelta(days=5)
    forecast = forecast_timeline(
        template,
        DECISION,
        planned={k: (s.start, s.end) for k, s in plan.steps.items()},
        actuals={"copil_1": early},
    )
    assert forecast.steps["weekend_1"].start == plan.steps["weekend_1"].start


def test_conference_plans_three_weekends_over_eight_months() -> None:
    """The conférence de citoyens: three free weekends, avis within its eight months."""
    template = get_template("conference_de_citoyens")
    timeline = plan_timeline(template, DECISION)
    weekends = [timeline.steps[s.key] for s in template.steps if s.kind is StepKind.WEEKEND]
    assert len(weekends) == 3
    assert all(_local(w.start).weekday() == 5 for w in weekends)
    avis_day = _local(timeline.avis_end).date()
    assert date(2027, 7, 11) <= avis_day <= add_months(DECISION, 8)
    assert timeline.risk is not Risk.AT_RISK


def test_infeasible_target_is_explained() -> None:
    """A target date too early for the template gives a plan that says why."""
    template = get_template("atelier_citoyen")
    timeline = plan_timeline(template, DECISION, target=date(2027, 3, 1))
    assert timeline.risk is Risk.AT_RISK
    assert "après l'échéance du 01/03/2027" in timeline.reasons[0]


@pytest.mark.parametrize("key", ["atelier_citoyen", "conference_de_citoyens"])
@settings(max_examples=60, deadline=None)
@given(decision=st.dates(min_value=date(2025, 1, 1), max_value=date(2032, 12, 31)))
def test_plan_properties_over_years(key: str, decision: date) -> None:
    """Any decision date: weekends are free Sat–Sun pairs; no step precedes a dependency."""
    template = get_template(key)
    timeline = plan_timeline(template, decision)
    for spec in template.steps:
        dates = timeline.steps[spec.key]
        assert dates.start <= dates.end
        for dep, lag in spec.after.items():
            assert dates.start >= timeline.steps[dep].end + timedelta(days=lag), spec.key
        if spec.kind is StepKind.WEEKEND:
            start, end = _local(dates.start), _local(dates.end)
            assert start.weekday() == 5 and end.weekday() == 6
            assert (end.date() - start.date()).days == 1
            for offset in (-1, 0, 1, 2):
                assert not is_public_holiday(start.date() + timedelta(days=offset))
        if spec.kind in (StepKind.MEETING, StepKind.ONLINE_SESSION):
            assert _local(dates.start).weekday() < 5
            assert not is_public_holiday(_local(dates.start).date())
    assert timeline.risk is not Risk.AT_RISK or timeline.reasons
    assert timeline.steps["decision"].start == datetime.combine(
        decision, datetime.min.time().replace(hour=9), tzinfo=PARIS
    ).astimezone(UTC)


def test_a_weekend_moved_by_the_team_is_where_they_put_it_and_the_steps_after_follow() -> None:
    """Weekend 2 moved one week later: Saturday 10:00 to Sunday 17:00 that week, the avis after it,
    the note says the team fixed it, and the critical path starts at the moved weekend."""
    template = get_template("atelier_citoyen")
    plan = plan_timeline(template, DECISION)
    saturday = _local(plan.steps["weekend_2"].start).date() + timedelta(days=7)
    forecast = forecast_timeline(
        template,
        DECISION,
        planned={k: (s.start, s.end) for k, s in plan.steps.items()},
        actuals={},
        pinned={"weekend_2": datetime.combine(saturday, datetime.min.time(), tzinfo=PARIS)},
    )
    moved = forecast.steps["weekend_2"]
    assert (_local(moved.start).date(), _local(moved.start).hour) == (saturday, 10)
    assert (_local(moved.end).date(), _local(moved.end).hour) == (saturday + timedelta(days=1), 17)
    assert moved.note == "date fixée par l'équipe"
    assert forecast.avis_end > plan.avis_end
    assert forecast.critical_path[0] == "weekend_2"
    # Steps before it do not move.
    assert forecast.steps["weekend_1"].start == plan.steps["weekend_1"].start


def test_an_event_may_be_moved_earlier_than_planned_and_a_meeting_keeps_its_chosen_time() -> None:
    """The plan is no floor for a moved event: the first meeting brought forward to 09:30 is there;
    a COPIL moved to 14:30 the next day starts at 14:30, not at the usual meeting hour, and lasts
    as long."""
    template = get_template("atelier_citoyen")
    plan = plan_timeline(template, DECISION)
    earlier = _local(plan.steps["reunion_demande"].start).replace(hour=9, minute=30)
    next_day = _local(plan.steps["copil_3"].start).replace(hour=14, minute=30) + timedelta(days=1)
    forecast = forecast_timeline(
        template,
        DECISION,
        planned={k: (s.start, s.end) for k, s in plan.steps.items()},
        actuals={},
        pinned={"reunion_demande": earlier, "copil_3": next_day},
    )
    assert _local(forecast.steps["reunion_demande"].start) == earlier < plan.steps["reunion_demande"].start
    assert _local(forecast.steps["copil_3"].start) == next_day
    assert forecast.steps["copil_3"].end - forecast.steps["copil_3"].start == (
        plan.steps["copil_3"].end - plan.steps["copil_3"].start
    )


def test_a_moved_event_overtaken_by_a_late_dependency_says_so() -> None:
    """When a step it depends on ends after the chosen date, the event follows it and the note
    says the team's date could not hold."""
    template = get_template("atelier_citoyen")
    plan = plan_timeline(template, DECISION)
    forecast = forecast_timeline(
        template,
        DECISION,
        planned={k: (s.start, s.end) for k, s in plan.steps.items()},
        actuals={
            "decision": plan.steps["decision"].end,
            "copil_1": plan.steps["copil_1"].end + timedelta(days=40),
        },
        pinned={"copil_2": plan.steps["copil_2"].start},
    )
    moved = forecast.steps["copil_2"]
    assert moved.start > plan.steps["copil_2"].start
    assert moved.note is not None and moved.note.startswith("date fixée par l'équipe dépassée : décalé par")
