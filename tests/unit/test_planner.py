"""The message planner as a pure function of an atelier's state and now."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from atelier.clock import PARIS
from atelier.planning.template import get_template
from atelier.planning.timeline import plan_timeline
from models.enums import Answer, DecisionOutcome, GateStatus, QuorumRule, Role, StepStatus
from notifications.plan_views import AtelierSnapshot, GateView, PersonView, StepView
from notifications.planner import plan_messages

TEMPLATE = get_template("atelier_citoyen")
PLAN = plan_timeline(TEMPLATE, date(2027, 1, 11))
NOW = datetime(2027, 3, 22, 16, 0, tzinfo=UTC)
CITIZEN = PersonView(1, "amina@example.org", "Amina", frozenset({Role.CITIZEN}))
COPIL = [
    PersonView(10 + i, f"copil{i}@example.org", f"M{i}", frozenset({Role.COPIL_MEMBER})) for i in range(5)
]


def _steps(done_until: str) -> dict[str, StepView]:
    order = [s.key for s in TEMPLATE.steps]
    done = set(order[: order.index(done_until) + 1]) | {
        k for k in order if PLAN.steps[k].end <= PLAN.steps[done_until].end
    }
    return {
        s.key: StepView(
            s.key,
            s.name,
            s.stage,
            s.kind,
            StepStatus.DONE if s.key in done else StepStatus.PENDING,
            PLAN.steps[s.key].start,
            PLAN.steps[s.key].end,
            0,
            PLAN.steps[s.key].end if s.key in done else None,
        )
        for s in TEMPLATE.steps
    }


def _snapshot(
    done_until: str = "copil_3", people: tuple[PersonView, ...] = (CITIZEN,), **changes: object
) -> AtelierSnapshot:
    snapshot = AtelierSnapshot(
        id=1,
        slug="a",
        template=TEMPLATE,
        people=people,
        steps=_steps(done_until),
        gates={},
        risk="on_track",
        forecast_avis_at=PLAN.avis_end,
    )
    return replace(snapshot, **changes)  # type: ignore[arg-type]


def _paris(value: datetime) -> tuple[int, int, int, int]:
    local = value.astimezone(PARIS)
    return local.month, local.day, local.hour, local.minute


def test_weekend_reminders_seven_days_and_one_day_before_at_nine() -> None:
    """Citizens are reminded 7 and 1 days before each weekend, at 09:00 Paris."""
    planned = [m for m in plan_messages(_snapshot(), NOW) if m.kind == "weekend_reminder"]
    by_weekend = sorted((m.step_key, m.days_before, _paris(m.due_at)) for m in planned)
    assert by_weekend == [
        ("weekend_1", 1, (4, 2, 9, 0)),
        ("weekend_1", 7, (3, 27, 9, 0)),
        ("weekend_2", 1, (4, 23, 9, 0)),
        ("weekend_2", 7, (4, 17, 9, 0)),
    ]


def test_nothing_for_citizens_before_they_are_recruited() -> None:
    """Before COPIL n°3 validates the recruitment, citizens get nothing."""
    planned = plan_messages(_snapshot(done_until="copil_2"), NOW)
    assert [m for m in planned if m.recipient_id == CITIZEN.id] == []


def test_moved_weekend_gets_new_keys_and_a_new_invite() -> None:
    """When a weekend moves (revision 1), its invite and reminders get new keys."""
    before = {m.key for m in plan_messages(_snapshot(), NOW)}
    steps = _snapshot().steps
    moved = replace(steps["weekend_1"], start=steps["weekend_1"].start + timedelta(days=7), revision=1)
    after_plan = plan_messages(_snapshot(steps={**steps, "weekend_1": moved}), NOW)
    after = {m.key for m in after_plan}
    first = "a1|p1|event_invitation|weekend_1|r0"
    assert first in before and first not in after
    assert "a1|p1|event_invitation|weekend_1|r1" in after
    assert {k for k in before - after if "weekend_1" in k} == {
        "a1|p1|event_invitation|weekend_1|r0",
        "a1|p1|weekend_reminder|weekend_1|r0|d7",
        "a1|p1|weekend_reminder|weekend_1|r0|d1",
        "a1|p1|weekend_practical|weekend_1|r0|d10",
    }


def test_answer_stops_confirmation_reminders_and_decline_cancels_invites() -> None:
    """A confirmed citizen gets no more 'please confirm'; one who declines gets CANCELs."""
    pending = plan_messages(_snapshot(), NOW)
    assert [m.kind for m in pending].count("confirmation_reminder") == 2
    confirmed = plan_messages(_snapshot(people=(replace(CITIZEN, answer=Answer.CONFIRM),)), NOW)
    assert [m.kind for m in confirmed].count("confirmation_reminder") == 0
    declined = plan_messages(_snapshot(people=(replace(CITIZEN, answer=Answer.DECLINE),)), NOW)
    cancels = [m for m in declined if m.cancel]
    assert {m.step_key for m in cancels} == {
        "weekend_1",
        "session_en_ligne_1",
        "session_en_ligne_2",
        "weekend_2",
    }
    assert not [m for m in declined if m.kind in ("weekend_reminder", "online_session_reminder")]


def test_gate_requests_reminders_and_escalation() -> None:
    """An open gate: request per round, reminders every 3 days until due, then the team."""
    opened = datetime(2027, 2, 9, 17, 0, tzinfo=UTC)
    gate = GateView(
        key="copil_1",
        name="COPIL 1",
        step_key="copil_1",
        status=GateStatus.OPEN,
        round=2,
        opened_at=opened,
        due_at=opened + timedelta(days=10),
        quorum_rule=QuorumRule.N_OF_M,
        quorum_n=3,
        member_ids=tuple(p.id for p in COPIL),
        decisions={10: DecisionOutcome.APPROVE},
    )
    planned = plan_messages(
        _snapshot(done_until="saisine_copil", people=tuple(COPIL), gates={"copil_1": gate}), NOW
    )
    requests = [m for m in planned if m.kind == "decision_request"]
    reminders = [m for m in planned if m.kind == "decision_reminder"]
    escalations = [m for m in planned if m.kind == "gate_escalation"]
    assert sorted(m.recipient_id or 0 for m in requests) == [11, 12, 13, 14]  # 10 already decided
    assert all(m.key.endswith("copil_1|g2") for m in requests)
    assert sorted({_paris(m.due_at) for m in reminders}) == [(2, 12, 9, 0), (2, 15, 9, 0), (2, 18, 9, 0)]
    assert len(reminders) == 3 * 4
    assert [(m.recipient_id, m.due_at) for m in escalations] == [(None, gate.due_at + timedelta(days=1))]


def test_risk_alert_once_per_forecast_date() -> None:
    """At risk, the team is alerted once per forecast avis date."""
    at_risk = _snapshot(risk="at_risk", forecast_avis_at=datetime(2027, 5, 23, 15, tzinfo=UTC))
    alerts = [m for m in plan_messages(at_risk, NOW) if m.kind == "team_risk_alert"]
    assert [m.key for m in alerts] == [f"team|a{at_risk.id}|team_risk_alert|2027-05-23"]
    assert not [m for m in plan_messages(_snapshot(), NOW) if m.kind == "team_risk_alert"]


def test_two_ateliers_team_messages_never_share_a_key() -> None:
    """Two ateliers at risk for the same date: two alerts with distinct outbox keys (keys are unique
    across ateliers, and a clash made the second atelier's every advance fail)."""
    from dataclasses import replace

    forecast = datetime(2027, 5, 23, 15, tzinfo=UTC)
    first = _snapshot(risk="at_risk", forecast_avis_at=forecast)
    second = replace(first, id=first.id + 1)
    keys = [
        m.key for snapshot in (first, second) for m in plan_messages(snapshot, NOW) if m.recipient_id is None
    ]
    assert len(keys) == 2 and len(set(keys)) == 2


def test_a_moved_event_is_announced_once_the_forecast_settles() -> None:
    """A weekend moved at 16:00 is re-announced at 16:10; moved again at 16:02, the first change is
    no longer planned and only the last one goes, at 16:12."""
    steps = _snapshot().steps
    first = replace(
        steps["weekend_1"], start=steps["weekend_1"].start + timedelta(days=7), revision=1, moved_at=NOW
    )
    planned = {m.key: m for m in plan_messages(_snapshot(steps={**steps, "weekend_1": first}), NOW)}
    assert planned["a1|p1|event_invitation|weekend_1|r1"].due_at == NOW + timedelta(minutes=10)
    again = replace(
        first, start=first.start + timedelta(days=7), revision=2, moved_at=NOW + timedelta(minutes=2)
    )
    later = NOW + timedelta(minutes=2)
    planned = {m.key: m for m in plan_messages(_snapshot(steps={**steps, "weekend_1": again}), later)}
    invites = [k for k in planned if k.startswith("a1|p1|event_invitation|weekend_1")]
    assert invites == ["a1|p1|event_invitation|weekend_1|r2"]
    assert planned[invites[0]].due_at == NOW + timedelta(minutes=12)


def test_decision_reminders_fall_on_working_days_only() -> None:
    """Reminders every 3 days from Thursday 10 December 2026: none on a Saturday, a Sunday or
    Christmas Day; each moved to the next working day, two landing on one day make one."""
    opened = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
    gate = GateView(
        key="copil_1", name="COPIL 1", step_key="copil_1", status=GateStatus.OPEN, round=1,
        opened_at=opened, due_at=datetime(2026, 12, 28, 17, 0, tzinfo=UTC), quorum_rule=QuorumRule.N_OF_M,
        quorum_n=3, member_ids=(COPIL[0].id,),
    )  # fmt: skip
    snapshot = _snapshot(done_until="saisine_copil", people=tuple(COPIL), gates={"copil_1": gate})
    reminders = [m for m in plan_messages(snapshot, NOW) if m.kind == "decision_reminder"]
    assert [_paris(m.due_at) for m in reminders] == [
        (12, 14, 9, 0), (12, 16, 9, 0), (12, 21, 9, 0), (12, 22, 9, 0), (12, 28, 9, 0)
    ]  # fmt: skip


def test_workspace_invitations_go_once_to_team_at_once_and_copil_once_constituted_never_months_late() -> None:
    """The team member added now is invited now; a COPIL member only once « COPIL constitué » is
    done; an administrator never; someone given the role two months ago is not invited late."""
    added = NOW - timedelta(hours=1)
    team = PersonView(20, "t@example.org", "T", frozenset({Role.PROJECT_TEAM}),
                      added_at=((Role.PROJECT_TEAM, added),))  # fmt: skip
    admin = replace(team, id=21, is_admin=True)
    old = replace(team, id=22, added_at=((Role.PROJECT_TEAM, NOW - timedelta(days=60)),))
    copil = replace(COPIL[0], added_at=((Role.COPIL_MEMBER, added),))

    def invited(done_until: str) -> dict[int, datetime]:
        planned = plan_messages(_snapshot(done_until, people=(team, admin, old, copil)), NOW)
        return {m.recipient_id or 0: m.due_at for m in planned if m.kind == "workspace_invitation"}

    assert invited("reunion_demande") == {20: added}
    copil_constituted = PLAN.steps["copil_constitue"].end
    assert invited("copil_3") == {20: added, copil.id: max(added, copil_constituted)}
