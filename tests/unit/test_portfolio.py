"""The portfolio's pure rules: each atelier's standing, what needs attention, the order of the lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from atelier.planning.portfolio import AtelierFigures, Standing, WaitingGate, attention, ordered, standing
from atelier.planning.timeline import Risk

NOW = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
CALM = AtelierFigures(
    slug="calme", title="Calme", stage="Cadrage", next_step="COPIL n°2", next_step_at=NOW + timedelta(days=9),
    margin_days=12, risk=Risk.ON_TRACK, gates=(), failed_messages=0, dropouts_waiting=0, completed=False,
)  # fmt: skip


def test_an_atelier_on_track_needs_no_attention() -> None:
    """Margin left, nothing waiting past its deadline, nothing failing: « dans les temps », no line."""
    assert standing(CALM, NOW) is Standing.RUNNING and attention(CALM, NOW) == []


def test_a_decision_past_its_deadline_makes_the_atelier_late_and_says_since_when() -> None:
    """A waiting decision past its deadline: late, with the decision, its date and the days of delay."""
    gate = WaitingGate("COPIL n°1", NOW - timedelta(days=10), NOW - timedelta(days=3))
    late = replace(CALM, gates=(gate,))
    assert standing(late, NOW) is Standing.OVERDUE
    assert attention(late, NOW) == [
        "décision « COPIL n°1 » attendue depuis le 26/02/2027 (3 jours de retard)"
    ]


def test_failures_and_drop_outs_put_an_atelier_at_risk() -> None:
    """Failing messages or a drop-out waiting for its replacement: « à risque », each said."""
    shaky = replace(CALM, failed_messages=2, dropouts_waiting=1)
    assert standing(shaky, NOW) is Standing.AT_RISK
    assert attention(shaky, NOW) == ["2 messages en échec", "1 désistement attend un remplaçant"]


def test_the_most_urgent_come_first_then_the_least_margin() -> None:
    """Late before at risk before on track before completed; among equals, the least margin first."""
    lines = [
        replace(CALM, slug="fini", completed=True),
        replace(CALM, slug="large", margin_days=30),
        replace(CALM, slug="serre", margin_days=2),
        replace(CALM, slug="retard", margin_days=-4),
        replace(CALM, slug="echecs", failed_messages=1),
    ]
    assert [f.slug for f in ordered(lines, NOW)] == ["retard", "echecs", "serre", "large", "fini"]
    assert ordered(lines, NOW, "echecs")[0].slug == "echecs"
