"""Where one step goes on the calendar: the first slot its kind allows (a working day, a
weekend clear of public holidays and, when asked, of school holidays), or the date the team chose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from atelier.clock import PARIS, ensure_utc
from atelier.planning.french_calendar import VenueCalendar
from atelier.planning.template import ProcessTemplate, StepSpec
from models.enums import StepKind


def at(day: date, clock_time: time) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=PARIS).astimezone(UTC)


def lower_first(name: str) -> str:
    """« Vacances de la Toussaint » → « vacances de la Toussaint »."""
    return name[:1].lower() + name[1:]


def _holiday_note(venue: VenueCalendar, wanted: date, found: date) -> str | None:
    if found == wanted:
        return None
    public: list[str] = []
    school: list[str] = []
    for week in range((found - wanted).days // 7):
        saturday = wanted + timedelta(days=7 * week)
        near = venue.holidays_near_weekend(saturday)
        public += [f"{name} ({day:%d/%m/%Y})" for day, name in near]
        if not near and (name := venue.school_break_on_weekend(saturday)):
            school.append(f"{lower_first(name)} ({venue.zone_label})")
    reasons = []
    if public:
        reasons.append("jour férié proche — " + ", ".join(dict.fromkeys(public)))
    if school:
        reasons.append(", ".join(dict.fromkeys(school)))
    return "week-end décalé : " + " ; ".join(reasons)


@dataclass(frozen=True)
class Placing:
    """What a step's date must avoid: the venue's days off, and for the weekends listed in
    ``out_of_school``, its school holidays."""

    venue: VenueCalendar
    out_of_school: frozenset[str]


def _place_weekend(
    step: StepSpec, template: ProcessTemplate, earliest: datetime, placing: Placing
) -> tuple[datetime, datetime, str | None]:
    venue, weekend = placing.venue, template.weekend_hours
    local = ensure_utc(earliest).astimezone(PARIS)
    wanted = local.date() + timedelta(days=(5 - local.weekday()) % 7)
    if at(wanted, weekend.start) < earliest:
        wanted += timedelta(days=7)
    saturday = venue.next_weekend_without_holiday(wanted)
    note = _holiday_note(venue, wanted, saturday)
    if step.key in placing.out_of_school:
        out_of_school = venue.next_weekend_out_of_school(saturday)
        if out_of_school is not None:
            saturday, note = out_of_school, _holiday_note(venue, wanted, out_of_school)
    elif (gap := venue.school_calendar_gap) is not None:
        note = " ; ".join(filter(None, [note, f"vacances scolaires non vérifiées ({gap})"]))
    start = at(saturday, weekend.start)
    return start, at(saturday + timedelta(days=1), weekend.end), note


def place(
    step: StepSpec, template: ProcessTemplate, earliest: datetime, placing: Placing | None = None
) -> tuple[datetime, datetime, str | None]:
    """Place one step at the first slot its kind allows on or after ``earliest``."""
    placing = placing or Placing(VenueCalendar(), frozenset())
    venue = placing.venue
    local = ensure_utc(earliest).astimezone(PARIS)
    if step.kind is StepKind.MILESTONE:
        return earliest, earliest, None
    if step.kind in (StepKind.TASK, StepKind.DECISION):
        day = venue.next_working_day((local + timedelta(days=step.duration_days)).date())
        end = at(day, template.task_deadline)
        if end < earliest:
            end = at(venue.next_working_day(day + timedelta(days=1)), template.task_deadline)
        return earliest, end, None
    if step.kind in (StepKind.MEETING, StepKind.ONLINE_SESSION):
        hours = template.meeting_hours if step.kind is StepKind.MEETING else template.online_session_hours
        day = local.date()
        while not venue.is_working_day(day) or at(day, hours.start) < earliest:
            day += timedelta(days=1)
        start = at(day, hours.start)
        return start, start + timedelta(minutes=hours.minutes), None
    if step.kind is StepKind.WEEKEND:
        return _place_weekend(step, template, earliest, placing)
    raise ValueError(f"unknown step kind {step.kind}")


def pinned_slot(step: StepSpec, template: ProcessTemplate, start: datetime) -> tuple[datetime, datetime]:
    """An event at the date the team chose: a weekend from its Saturday, a meeting or session
    at the time given, each lasting as its kind does."""
    if step.kind is StepKind.WEEKEND:
        saturday = ensure_utc(start).astimezone(PARIS).date()
        weekend = template.weekend_hours
        return at(saturday, weekend.start), at(saturday + timedelta(days=1), weekend.end)
    hours = template.meeting_hours if step.kind is StepKind.MEETING else template.online_session_hours
    return start, start + timedelta(minutes=hours.minutes)
