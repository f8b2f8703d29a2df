"""The four-month timeline as pure functions of a template, a decision date, actuals and now.

Planned dates are computed once from the template; forecasts are recomputed from the
actual dates recorded so far. Neither rewrites the other: both are kept side by side.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import combinations

from atelier.clock import PARIS, ensure_utc
from atelier.french import count
from atelier.planning.french_calendar import VenueCalendar
from atelier.planning.placement import Placing, at, lower_first, pinned_slot, place
from atelier.planning.template import ProcessTemplate
from models.enums import StepKind

# Below this many days of slack on the critical path, the avis date is flagged as tight.
TIGHT_SLACK_DAYS = 7
# A step with no dependency starts on the decision date at this hour (Paris).
DAY_START = time(9, 0)


class Risk(StrEnum):
    ON_TRACK = "on_track"
    TIGHT = "tight"
    AT_RISK = "at_risk"


RISK_LABELS: dict[Risk, str] = {
    Risk.ON_TRACK: "dans les temps",
    Risk.TIGHT: "marge faible",
    Risk.AT_RISK: "date de l'avis menacée",
}


@dataclass(frozen=True)
class StepDates:
    key: str
    start: datetime  # UTC
    end: datetime  # UTC
    binding: str | None  # the dependency that fixed this date, for the critical path
    note: str | None = None  # why the step was moved (a holiday, a late dependency)


@dataclass(frozen=True)
class Timeline:
    template_key: str
    decision_date: date
    target_avis_date: date
    steps: dict[str, StepDates]
    avis_key: str
    critical_path: list[str]
    slack_days: int
    risk: Risk
    reasons: list[str] = field(default_factory=list)

    @property
    def avis_end(self) -> datetime:
        return self.steps[self.avis_key].end

    @property
    def feasible(self) -> bool:
        return self.risk is not Risk.AT_RISK


# Kinds whose date is an appointment: moving one changes invitations.
EVENT_KINDS = frozenset({StepKind.WEEKEND, StepKind.MEETING, StepKind.ONLINE_SESSION})


def gate_due_at(kind: StepKind, dates: StepDates) -> datetime:
    """A meeting decides when it starts; other gates by the end of their step."""
    return dates.start if kind is StepKind.MEETING else dates.end


def revised_decision_due_at(
    revised_at: datetime, days: int, template: ProcessTemplate, venue: VenueCalendar
) -> datetime:
    """A revised version is decided by link, ``days`` later at the task deadline of a working
    day: the meeting it was first put to is over."""
    day = ensure_utc(revised_at).astimezone(PARIS).date() + timedelta(days=days)
    return at(venue.next_working_day(day), template.task_deadline)


def gate_asked_from(
    kind: StepKind, start: datetime, end: datetime, days_before: int | None
) -> datetime | None:
    """A decision is asked ``days_before`` days before it is due — a meeting's start, a task's
    end — at the start of the working day (Paris), not weeks earlier when its step happens to be
    ready: members would get a reminder every few days. None: as soon as the step is ready."""
    if days_before is None or kind is StepKind.DECISION:
        return None
    due = start if kind is StepKind.MEETING else end  # as gate_due_at
    day = ensure_utc(due).astimezone(PARIS).date() - timedelta(days=days_before)
    return at(day, DAY_START)


def add_months(day: date, months: int) -> date:
    """Calendar months, the last day of the month when the day does not exist."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def target_avis_date(template: ProcessTemplate, decision_date: date) -> date:
    return add_months(decision_date, template.horizon_months)


def _schedule(
    template: ProcessTemplate,
    decision_date: date,
    *,
    actuals: Mapping[str, datetime],
    floors: Mapping[str, datetime],
    now: datetime | None,
    placing: Placing,
    pinned: Mapping[str, datetime],
) -> dict[str, StepDates]:
    result: dict[str, StepDates] = {}
    origin = at(decision_date, DAY_START)
    for step in template.topological_order():
        binding: str | None = None
        earliest = origin
        for dep, lag in step.after.items():
            candidate = result[dep].end + timedelta(days=lag)
            if binding is None or candidate > earliest:
                earliest, binding = candidate, dep
        actual = actuals.get(step.key)
        # A date the team chose replaces the plan as the floor: it may be earlier than planned.
        pin = pinned.get(step.key) if actual is None else None
        floor = pin if pin is not None else floors.get(step.key)
        note: str | None = None
        late_dep = floor is not None and earliest > floor
        if floor is not None and floor > earliest:
            earliest = floor
        if actual is not None:
            start, _end, _ = place(step, template, earliest, placing)
            result[step.key] = StepDates(step.key, min(start, actual), actual, binding)
            continue
        if pin is not None and not late_dep:
            # Where the team put it, whatever holidays or usual hours say: the choice was theirs.
            (start, end), binding, note = pinned_slot(step, template, pin), None, "date fixée par l'équipe"
        else:
            start, end, note = place(step, template, earliest, placing)
        if now is not None and end < now:
            # Not recorded although its date has passed: it cannot end before now.
            overdue = step.model_copy(update={"duration_days": 0})
            start, end, note = place(overdue, template, max(earliest, now), placing)
            note = "en retard : non enregistré à la date prévue"
        elif late_dep and binding is not None:
            moved = "date fixée par l'équipe dépassée : " if pin is not None else ""
            note = note or f"{moved}décalé par « {template.step(binding).name} »"
        result[step.key] = StepDates(step.key, start, end, binding, note)
    return result


def _school_choices(weekends: list[str]) -> Iterator[frozenset[str]]:
    """Which weekends to keep out of school holidays, most first, earlier weekends first."""
    for size in range(len(weekends), -1, -1):
        for chosen in combinations(weekends, size):
            yield frozenset(chosen)


def _schedule_around_school_holidays(
    template: ProcessTemplate,
    decision_date: date,
    target: date,
    venue: VenueCalendar,
    *,
    actuals: Mapping[str, datetime],
    floors: Mapping[str, datetime],
    now: datetime | None,
    pinned: Mapping[str, datetime],
) -> dict[str, StepDates]:
    """Weekends avoid school holidays unless that would make the avis late; a weekend kept
    in the holidays says why. Public holidays are always avoided."""
    # A weekend already held, or put by the team, is where it is: no choice left to make.
    weekends = [
        s.key
        for s in template.steps
        if s.kind is StepKind.WEEKEND and s.key not in actuals and s.key not in pinned
    ]
    if venue.school_zone is None:
        weekends = []
    best: tuple[int, dict[str, StepDates]] | None = None
    for out_of_school in _school_choices(weekends):
        placing = Placing(venue, out_of_school)
        steps = _schedule(
            template, decision_date, actuals=actuals, floors=floors, now=now, placing=placing, pinned=pinned
        )
        slack = (target - steps[template.avis_step].end.astimezone(PARIS).date()).days
        if slack >= 0:
            best = (slack, steps)
            break
        if best is None or slack > best[0]:
            best = (slack, steps)
    if best is None:  # the empty choice is always tried
        raise ValueError("no schedule was tried")
    slack, steps = best
    why = (
        f"les éviter repousserait l'avis au-delà du {target:%d/%m/%Y}"
        if slack >= 0
        else "les éviter retarderait encore l'avis"
    )
    for key in weekends:
        dates = steps[key]
        name = venue.school_break_on_weekend(dates.start.astimezone(PARIS).date())
        if name is not None:
            kept = f"maintenu pendant les {lower_first(name)} ({venue.zone_label}) : {why}"
            note = " ; ".join(filter(None, [dates.note, kept]))
            steps[key] = StepDates(key, dates.start, dates.end, dates.binding, note)
    return steps


def _critical_path(steps: Mapping[str, StepDates], avis_key: str) -> list[str]:
    path = [avis_key]
    while (binding := steps[path[-1]].binding) is not None:
        path.append(binding)
    return list(reversed(path))


# Notes that explain a delay (a note saying a step followed a late one points elsewhere).
_CAUSE_NOTES = ("week-end décalé", "maintenu pendant", "en retard")


def _causes(
    template: ProcessTemplate,
    path: list[str],
    steps: Mapping[str, StepDates],
    planned_ends: Mapping[str, datetime],
    actuals: Mapping[str, datetime],
) -> list[str]:
    """Root causes on the critical path: late recordings, overdue steps, holidays."""
    causes: list[str] = []
    for key in path:
        name = template.step(key).name
        actual, planned_end = actuals.get(key), planned_ends.get(key)
        if actual is not None and planned_end is not None and actual - planned_end >= timedelta(days=1):
            days = (actual.astimezone(PARIS).date() - planned_end.astimezone(PARIS).date()).days
            causes.append(
                f"« {name} » réalisé le {actual.astimezone(PARIS):%d/%m/%Y}, prévu le "
                f"{planned_end.astimezone(PARIS):%d/%m/%Y} ({count(days, 'jour')} de retard)."
            )
        elif actual is None and (note := steps[key].note) and note.startswith(_CAUSE_NOTES):
            causes.append(f"« {name} » : {note}.")
    return causes


def _assess(
    template: ProcessTemplate,
    decision_date: date,
    target: date,
    steps: dict[str, StepDates],
    planned_ends: Mapping[str, datetime] | None = None,
    actuals: Mapping[str, datetime] | None = None,
) -> Timeline:
    avis = steps[template.avis_step]
    avis_day = avis.end.astimezone(PARIS).date()
    slack = (target - avis_day).days
    risk = Risk.AT_RISK if slack < 0 else Risk.TIGHT if slack < TIGHT_SLACK_DAYS else Risk.ON_TRACK
    path = _critical_path(steps, template.avis_step)
    reasons: list[str] = []
    if risk is Risk.AT_RISK:
        reasons.append(
            f"L'avis serait remis le {avis_day.strftime('%d/%m/%Y')}, {count(-slack, 'jour')} après "
            f"l'échéance du {target.strftime('%d/%m/%Y')}."
        )
    elif risk is Risk.TIGHT:
        left = (
            f"Il ne reste que {count(slack, 'jour')} de marge" if slack else "Il ne reste aucun jour de marge"
        )
        reasons.append(f"{left} avant l'échéance de l'avis.")
    if risk is not Risk.ON_TRACK:
        reasons.extend(_causes(template, path, steps, planned_ends or {}, actuals or {}))
    return Timeline(
        template_key=template.key,
        decision_date=decision_date,
        target_avis_date=target,
        steps=steps,
        avis_key=template.avis_step,
        critical_path=path,
        slack_days=slack,
        risk=risk,
        reasons=reasons,
    )


def plan_timeline(
    template: ProcessTemplate,
    decision_date: date,
    *,
    target: date | None = None,
    venue: VenueCalendar | None = None,
) -> Timeline:
    """The planned timeline: every milestone from the decision date along its dependencies."""
    target = target or target_avis_date(template, decision_date)
    steps = _schedule_around_school_holidays(
        template, decision_date, target, venue or VenueCalendar(), actuals={}, floors={}, now=None, pinned={}
    )
    return _assess(template, decision_date, target, steps)


def forecast_timeline(
    template: ProcessTemplate,
    decision_date: date,
    *,
    planned: Mapping[str, tuple[datetime, datetime]],
    actuals: Mapping[str, datetime],
    now: datetime | None = None,
    target: date | None = None,
    venue: VenueCalendar | None = None,
    pinned: Mapping[str, datetime] | None = None,
) -> Timeline:
    """The forecast: actual dates where recorded, the rest pushed by them, never before plan,
    except an event the team moved (``pinned``: its new start), which is where they put it."""
    target = target or target_avis_date(template, decision_date)
    actuals = {k: ensure_utc(v) for k, v in actuals.items()}
    floors = {k: ensure_utc(start) for k, (start, _end) in planned.items()}
    planned_ends = {k: ensure_utc(end) for k, (_start, end) in planned.items()}
    steps = _schedule_around_school_holidays(
        template,
        decision_date,
        target,
        venue or VenueCalendar(),
        actuals=actuals,
        floors=floors,
        now=ensure_utc(now) if now else None,
        pinned={k: ensure_utc(v) for k, v in (pinned or {}).items()},
    )
    return _assess(template, decision_date, target, steps, planned_ends, actuals)
