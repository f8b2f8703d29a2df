"""When a meeting's decision is asked: a set number of days before the meeting, from midnight Paris."""

from datetime import UTC, datetime

from atelier.planning.timeline import meeting_gate_asked_from
from models.enums import StepKind

MEETING = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # Monday 15 March 2027, 14:00 Paris


def test_meeting_gate_is_asked_seven_days_ahead_from_midnight_paris() -> None:
    """7 days before a Monday 14:00 meeting: the Monday before, 00:00 Paris (23:00 UTC on Sunday)."""
    assert meeting_gate_asked_from(StepKind.MEETING, MEETING, 7) == datetime(2027, 3, 7, 23, 0, tzinfo=UTC)


def test_without_the_setting_or_for_other_steps_there_is_no_wait() -> None:
    """No setting, or a gate on a task step: asked as soon as the step is ready."""
    assert meeting_gate_asked_from(StepKind.MEETING, MEETING, None) is None
    assert meeting_gate_asked_from(StepKind.DECISION, MEETING, 7) is None
