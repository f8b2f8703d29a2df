"""The venue's calendar and how weekends and meetings are placed around its days off."""

from datetime import UTC, date, datetime, time

import pytest

from atelier.clock import PARIS
from atelier.planning.french_calendar import VenueCalendar, normalise_departement
from atelier.planning.placement import Placing, place
from atelier.planning.template import get_template
from atelier.planning.timeline import Risk, forecast_timeline, plan_timeline

TEMPLATE = get_template("atelier_citoyen")
PARIS_VENUE, LYON_VENUE, METZ_VENUE = VenueCalendar("75"), VenueCalendar("69"), VenueCalendar("57")


def _day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def _paris(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS).astimezone(UTC)


def test_departement_codes_are_read_as_people_type_them() -> None:
    """'1' is the Ain, '2a' Corse-du-Sud; 20, 99 and 975 are not départements."""
    assert normalise_departement("1") == "01"
    assert normalise_departement(" 2a ") == "2A"
    assert normalise_departement("974") == "974"
    assert [normalise_departement(code) for code in ("20", "99", "975", "")] == [None] * 4


def test_every_metropolitan_departement_has_a_school_zone() -> None:
    """The 94 départements outside Corse each belong to zone A, B or C; Paris is C, Lyon A."""
    codes = [f"{n:02d}" for n in range(1, 96) if n != 20]
    assert all(VenueCalendar(code).school_zone in {"A", "B", "C"} for code in codes)
    assert (PARIS_VENUE.school_zone, LYON_VENUE.school_zone, METZ_VENUE.school_zone) == ("C", "A", "B")


def test_alsace_moselle_keeps_good_friday_and_saint_etienne() -> None:
    """In Moselle and Alsace, Good Friday and 26 December are off; in Paris they are working days."""
    good_friday, saint_etienne = date(2027, 3, 26), date(2025, 12, 26)
    for venue in (METZ_VENUE, VenueCalendar("67"), VenueCalendar("68")):
        assert venue.public_holiday(good_friday) == "Vendredi saint"
        assert venue.public_holiday(saint_etienne) == "Saint-Étienne"
    assert PARIS_VENUE.is_working_day(good_friday) and PARIS_VENUE.is_working_day(saint_etienne)


def test_a_meeting_in_moselle_skips_good_friday() -> None:
    """A COPIL meeting ready on Good Friday 2027 meets that day in Paris, on Tuesday 30 March in Metz
    (Easter Monday is off everywhere)."""
    copil = TEMPLATE.step("copil_1")
    paris_start, _, _ = place(copil, TEMPLATE, _paris(date(2027, 3, 26)), Placing(PARIS_VENUE, frozenset()))
    metz_start, _, _ = place(copil, TEMPLATE, _paris(date(2027, 3, 26)), Placing(METZ_VENUE, frozenset()))
    assert (_day(paris_start), _day(metz_start)) == (date(2027, 3, 26), date(2027, 3, 30))


def test_a_weekend_in_moselle_avoids_the_saint_etienne_bridge() -> None:
    """The weekend of 27–28 December 2025 follows 26 December, a holiday in Moselle only."""
    assert METZ_VENUE.holidays_near_weekend(date(2025, 12, 27)) == [(date(2025, 12, 26), "Saint-Étienne")]
    assert PARIS_VENUE.holidays_near_weekend(date(2025, 12, 27)) == []


def test_weekend_moved_out_of_the_zone_spring_break() -> None:
    """Decided on 25 January 2027, weekend 1 would meet on 17–18 April: in Paris (zone C, on
    holiday until 18 April) it moves to 24–25 April and says why, and both weekends are out of
    school holidays."""
    paris = plan_timeline(TEMPLATE, date(2027, 1, 25), venue=PARIS_VENUE)
    assert _day(paris.steps["weekend_1"].start) == date(2027, 4, 24)
    assert paris.steps["weekend_1"].note == "week-end décalé : vacances de printemps (zone C)"
    for key in ("weekend_1", "weekend_2"):
        assert PARIS_VENUE.school_break_on_weekend(_day(paris.steps[key].start)) is None
    assert paris.risk is not Risk.AT_RISK


def test_a_weekend_kept_in_school_holidays_says_why() -> None:
    """Decided on 11 January 2027 in Paris, avoiding the spring break would put the avis past
    11 May: weekend 1 stays on 3–4 April and the plan says so; weekend 2 is out of holidays.
    In Lyon (zone A) the same plan keeps weekend 2 in the break instead."""
    timeline = plan_timeline(TEMPLATE, date(2027, 1, 11), venue=PARIS_VENUE)
    assert _day(timeline.steps["weekend_1"].start) == date(2027, 4, 3)
    assert timeline.steps["weekend_1"].note == (
        "maintenu pendant les vacances de printemps (zone C) : "
        "les éviter repousserait l'avis au-delà du 11/05/2027"
    )
    assert timeline.steps["weekend_2"].note is None
    assert timeline.risk is Risk.ON_TRACK
    lyon = plan_timeline(TEMPLATE, date(2027, 1, 11), venue=LYON_VENUE)
    assert lyon.steps["weekend_1"].note is None
    assert (lyon.steps["weekend_2"].note or "").startswith(
        "maintenu pendant les vacances de printemps (zone A)"
    )


@pytest.mark.parametrize(
    ("departement", "why"),
    [
        (None, "département du lieu non renseigné"),
        ("2A", "calendrier scolaire de la Corse non connu"),
        ("974", "calendrier scolaire de La Réunion non connu"),
    ],
)
def test_school_holidays_not_known_are_said_unchecked(departement: str | None, why: str) -> None:
    """Where school holidays are not known, each weekend says they were not checked, and why."""
    timeline = plan_timeline(TEMPLATE, date(2027, 1, 11), venue=VenueCalendar(departement))
    assert timeline.steps["weekend_1"].note == f"vacances scolaires non vérifiées ({why})"


def test_overseas_public_holidays_are_the_venue_ones() -> None:
    """In La Réunion, 20 December (abolition of slavery) is off; in Paris it is not."""
    assert VenueCalendar("974").public_holiday(date(2027, 12, 20)) is not None
    assert PARIS_VENUE.public_holiday(date(2027, 12, 20)) is None


def test_a_weekend_held_keeps_its_dates_in_the_forecast() -> None:
    """Once weekend 1 is recorded as held on 3–4 April, the forecast shows it there, not moved."""
    plan = plan_timeline(TEMPLATE, date(2027, 1, 11), venue=PARIS_VENUE)
    held = plan.steps["weekend_1"]
    forecast = forecast_timeline(
        TEMPLATE,
        date(2027, 1, 11),
        planned={key: (dates.start, dates.end) for key, dates in plan.steps.items()},
        actuals={key: dates.end for key, dates in plan.steps.items() if dates.end <= held.end},
        now=held.end,
        venue=PARIS_VENUE,
    )
    assert (forecast.steps["weekend_1"].start, forecast.steps["weekend_1"].end) == (held.start, held.end)
