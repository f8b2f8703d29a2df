"""When a decision is asked: a set number of days before it is due (a meeting's start, a task's
end), at 09:00 Paris."""

from datetime import UTC, date, datetime

from atelier.planning.french_calendar import VenueCalendar
from atelier.planning.template import get_template
from atelier.planning.timeline import gate_asked_from, revised_decision_due_at
from models.enums import StepKind

MEETING = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # Monday 15 March 2027, 14:00 Paris


def test_meeting_gate_is_asked_seven_days_ahead_at_nine_paris() -> None:
    """7 days before a Monday 14:00 meeting: the Monday before, 09:00 Paris (08:00 UTC in winter)."""
    asked = gate_asked_from(StepKind.MEETING, MEETING, MEETING, 7)
    assert asked == datetime(2027, 3, 8, 8, 0, tzinfo=UTC)


def test_without_the_setting_or_for_a_remote_decision_there_is_no_wait() -> None:
    """No setting, or a decision step (decided by link): asked as soon as the step is ready."""
    assert gate_asked_from(StepKind.MEETING, MEETING, MEETING, None) is None
    assert gate_asked_from(StepKind.DECISION, MEETING, MEETING, 7) is None


def test_a_task_gate_is_asked_days_before_the_task_is_due() -> None:
    """The commanditaire's answer due Thursday 24 June 2027 at 18:00, asked 21 days before: on
    Thursday 3 June at 09:00 Paris (07:00 UTC in summer), not at the handover two months earlier."""
    start, end = datetime(2027, 4, 25, 15, 0, tzinfo=UTC), datetime(2027, 6, 24, 16, 0, tzinfo=UTC)
    assert gate_asked_from(StepKind.TASK, start, end, 21) == datetime(2027, 6, 3, 7, 0, tzinfo=UTC)


def test_a_revised_version_is_due_a_week_later_on_a_working_day() -> None:
    """Revised on Monday 15 February 2027: due Monday 22 at 18:00; revised on Monday 22 March,
    due a week later would be Easter Monday (29 March 2027): due Tuesday 30 March instead."""
    template = get_template("atelier_citoyen")
    paris = VenueCalendar("75")
    due = revised_decision_due_at(datetime(2027, 2, 15, 13, 0, tzinfo=UTC), 7, template, paris)
    assert due == datetime(2027, 2, 22, 17, 0, tzinfo=UTC)
    due = revised_decision_due_at(datetime(2027, 3, 22, 13, 0, tzinfo=UTC), 7, template, paris)
    assert due.date() == date(2027, 3, 30)
