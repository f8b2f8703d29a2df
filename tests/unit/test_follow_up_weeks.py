"""The follow-up digest's weeks: counted from the first thing to follow, one digest per week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from atelier.services.follow_up_messages import Change, digest_weeks

START = datetime(2027, 7, 1, 9, 0, tzinfo=UTC)


def _at(days: float) -> Change:
    return Change(START + timedelta(days=days), 1, ("x",))


def test_changes_of_the_same_week_share_a_digest_and_a_quiet_week_has_none() -> None:
    """Days 1, 3 and 6.9 are week 0; day 7 opens week 1; nothing in week 2; day 21 is week 3."""
    weeks = digest_weeks([_at(6.9), _at(1), _at(3), _at(7), _at(21)], START)
    assert {week: len(changes) for week, changes in weeks.items()} == {0: 3, 1: 1, 3: 1}
    assert [c.at for c in weeks[0]] == sorted(c.at for c in weeks[0])


def test_nothing_to_follow_makes_no_digest() -> None:
    """Before any publication or update there is no week to count."""
    assert digest_weeks([], None) == {}


def test_a_proposal_under_study_is_quiet_from_its_latest_news() -> None:
    """Under study since day 0, a step on day 10: quiet from day 10; retained later: not followed."""
    from atelier.services.follow_up_messages import stale_since
    from models.enums import AnswerStatus

    def day(n: int) -> datetime:
        return START + timedelta(days=n)

    answers = [(1, AnswerStatus.UNDER_STUDY, day(0)), (2, AnswerStatus.UNDER_STUDY, day(0)),
               (2, AnswerStatus.RETAINED, day(20))]  # fmt: skip
    assert stale_since(answers, [(1, day(10)), (1, day(4))]) == {1: day(10)}
