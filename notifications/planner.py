"""Which messages an atelier should have sent or scheduled, as a pure function of its state.

The outbox is kept in step with this plan: planned messages missing from the outbox are
queued (the unique key makes it harmless to plan twice), pending ones that left the plan
are cancelled (a date moved, a person answered, a gate was decided).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from atelier.clock import PARIS, ensure_utc
from atelier.planning.quorum import votes_needed
from atelier.planning.template import MessageRule, MessageTrigger
from models.enums import Answer, GateStatus, Role, StepStatus
from notifications.plan_views import AtelierSnapshot, GateView, PersonView, PlannedMessage

TEAM = "team"


def _at(day_time: datetime, at: time | None) -> datetime:
    if at is None:
        return day_time
    local = ensure_utc(day_time).astimezone(PARIS)
    return datetime.combine(local.date(), at, tzinfo=PARIS).astimezone(ensure_utc(day_time).tzinfo)


def _reminder_times(
    snapshot: AtelierSnapshot, opened_at: datetime, due_at: datetime, every_days: int, at: time | None
) -> list[tuple[int, datetime]]:
    """Each reminder's number and time: every ``every_days`` from the opening, on a working day,
    before the due date; two moved onto the same day make one."""
    times: list[tuple[int, datetime]] = []
    number = 1
    while (due := _working(snapshot, _at(opened_at + timedelta(days=every_days * number), at))) < due_at:
        if not times or _paris_day(times[-1][1]) != _paris_day(due):
            times.append((number, due))
        number += 1
    return times


def _paris_day(moment: datetime) -> date:
    return ensure_utc(moment).astimezone(PARIS).date()


def _working(snapshot: AtelierSnapshot, due: datetime) -> datetime:
    """``due`` moved to the venue's next working day, same time: nobody is reminded on a Sunday,
    a Saturday or a public holiday."""
    local = ensure_utc(due).astimezone(PARIS)
    day = snapshot.calendar.next_working_day(local.date())
    if day == local.date():
        return due
    return datetime.combine(day, local.time(), tzinfo=PARIS).astimezone(ensure_utc(due).tzinfo)


def _audience(snapshot: AtelierSnapshot, rule: MessageRule) -> list[PersonView]:
    wanted = set(rule.audience)
    return [p for p in snapshot.people if p.roles & wanted]


def _reachable_at(snapshot: AtelierSnapshot, rule: MessageRule) -> datetime | None:
    """When the rule's audience may be contacted: once ``from_step`` is done."""
    step = snapshot.steps[rule.from_step or snapshot.template.decision_step]
    return step.actual_end if step.status is StepStatus.DONE else None


def _left_out(person: PersonView, rule: MessageRule) -> bool:
    """No longer in a rule's audience: a citizen who declined the atelier; a member who left the
    comité de suivi, for the rules addressed to the comité alone (their other messages go on)."""
    if Role.CITIZEN in person.roles and person.answer is Answer.DECLINE:
        return True
    return person.left_committee and not (person.roles & set(rule.audience)) - {Role.FOLLOW_UP_COMMITTEE}


def _team(snapshot: AtelierSnapshot) -> str:
    """The key prefix of the team's messages: outbox keys are unique across ateliers, and two
    ateliers may well have the same gate, round or risk date."""
    return f"{TEAM}|a{snapshot.id}"


def _person(snapshot: AtelierSnapshot, person_id: int) -> str:
    """The key prefix of a person's messages in this atelier: a person may take part in several
    ateliers (a COPIL member of two), each of which sends them its own messages."""
    return f"a{snapshot.id}|p{person_id}"


def _step_done(snapshot: AtelierSnapshot, rule: MessageRule) -> list[PlannedMessage]:
    step = snapshot.steps[rule.step or ""]
    done_at = step.actual_end if step.status is StepStatus.DONE else None
    planned = []
    for person in _audience(snapshot, rule):
        if _left_out(person, rule):
            continue
        if rule.from_selection and person.selected_at is not None:
            due = person.selected_at
        elif done_at is not None:
            due = max(_at(done_at + timedelta(days=rule.delay_days), rule.at), done_at)
        else:
            continue
        planned.append(
            PlannedMessage(
                f"{_person(snapshot, person.id)}|{rule.kind}|{step.key}",
                rule.key,
                rule.kind,
                person.id,
                due,
                step_key=step.key,
                refers_to=rule.refers_to,
            )
        )
    return planned


# People given their role longer ago than this found their way without an invitation (an atelier
# running when invitations came in): they are not invited months late.
INVITATION_WINDOW = timedelta(days=30)


def _added(snapshot: AtelierSnapshot, rule: MessageRule, now: datetime) -> list[PlannedMessage]:
    """Once per person, when first given a role of the audience; not before ``from_step`` is done."""
    reachable = _reachable_at(snapshot, rule) if rule.from_step else None
    if rule.from_step and reachable is None:
        return []
    planned = []
    for person in _audience(snapshot, rule):
        given = [at for role, at in person.added_at if role in rule.audience]
        if person.is_admin or not given:
            continue
        due = max(min(given), reachable) if reachable is not None else min(given)
        if now - due > INVITATION_WINDOW:
            continue
        key = f"{_person(snapshot, person.id)}|{rule.kind}"
        planned.append(PlannedMessage(key, rule.key, rule.kind, person.id, due))
    return planned


def _event_invitations(snapshot: AtelierSnapshot, rule: MessageRule) -> list[PlannedMessage]:
    reachable = _reachable_at(snapshot, rule)
    if reachable is None:
        return []
    planned = []
    for event_key in rule.events:
        event = snapshot.steps[event_key]
        if event.status is StepStatus.DONE:
            continue
        # A change is announced once the forecast has held still for a while: two moves in a
        # few minutes make one message, the last (the earlier one is cancelled before it leaves).
        due = reachable
        if event.revision > 0 and event.moved_at is not None:
            due = max(reachable, event.moved_at + timedelta(minutes=rule.settle_minutes))
        for person in _audience(snapshot, rule):
            cancel = event.status is StepStatus.CANCELLED or _left_out(person, rule)
            if cancel:
                # Cancelled events and people who declined get METHOD:CANCEL, once.
                key = f"{_person(snapshot, person.id)}|{rule.kind}|{event.key}|cancel"
            else:
                key = f"{_person(snapshot, person.id)}|{rule.kind}|{event.key}|r{event.revision}"
            planned.append(
                PlannedMessage(
                    key,
                    rule.key,
                    rule.kind,
                    person.id,
                    reachable if cancel else due,
                    step_key=event.key,
                    revision=event.revision,
                    cancel=cancel,
                )
            )
    return planned


def _before_event(snapshot: AtelierSnapshot, rule: MessageRule) -> list[PlannedMessage]:
    reachable = _reachable_at(snapshot, rule)
    if reachable is None:
        return []
    planned = []
    for event_key in rule.events:
        event = snapshot.steps[event_key]
        if event.status is not StepStatus.PENDING:
            continue
        for days in rule.days:
            due = _at(event.start - timedelta(days=days), rule.at)
            if due >= event.start:
                due = event.start - timedelta(hours=1)
            if due < reachable:
                if not rule.catch_up:
                    continue  # contacting them later than this would be pointless
                due = reachable
            for person in _audience(snapshot, rule):
                if _left_out(person, rule):
                    continue
                planned.append(
                    PlannedMessage(
                        f"{_person(snapshot, person.id)}|{rule.kind}|{event.key}|r{event.revision}|d{days}",
                        rule.key,
                        rule.kind,
                        person.id,
                        due,
                        step_key=event.key,
                        revision=event.revision,
                        days_before=days,
                        reminder=True,
                    )
                )
    return planned


def _no_answer(snapshot: AtelierSnapshot, rule: MessageRule) -> list[PlannedMessage]:
    reachable = _reachable_at(snapshot, rule)
    planned = []
    for person in _audience(snapshot, rule):
        since = person.selected_at if rule.from_selection and person.selected_at else reachable
        if since is None or person.answer is not None:
            continue
        planned += [
            PlannedMessage(
                f"{_person(snapshot, person.id)}|{rule.kind}|n{index}",
                rule.key,
                rule.kind,
                person.id,
                _at(since + timedelta(days=days), rule.at),
                reminder=True,
            )
            for index, days in enumerate(rule.days, start=1)
        ]
    return planned


def _no_evaluation(snapshot: AtelierSnapshot, rule: MessageRule) -> list[PlannedMessage]:
    """Reminders of the evaluation survey to who has not answered, until the survey closes (the
    step ``refers_to`` is done)."""
    step = snapshot.steps[rule.step or ""]
    closing = snapshot.steps.get(rule.refers_to or "")
    if step.status is not StepStatus.DONE or step.actual_end is None:
        return []
    if closing is not None and closing.status is StepStatus.DONE:
        return []
    return [
        PlannedMessage(
            f"{_person(snapshot, person.id)}|{rule.kind}|{step.key}|n{index}",
            rule.key,
            rule.kind,
            person.id,
            _at(step.actual_end + timedelta(days=days), rule.at),
            step_key=step.key,
            reminder=True,
            refers_to=rule.refers_to,
        )
        for person in _audience(snapshot, rule)
        if not person.evaluated and not _left_out(person, rule)
        for index, days in enumerate(rule.days, start=1)
    ]


def _gate_messages(snapshot: AtelierSnapshot, rule: MessageRule) -> list[PlannedMessage]:
    planned = []
    for gate in snapshot.gates.values():
        base = f"{gate.key}|g{gate.round}"
        if rule.trigger is MessageTrigger.GATE_SENT_BACK:
            if gate.status is GateStatus.SENT_BACK and not gate.revised and gate.closed_at is not None:
                key = f"{_team(snapshot)}|{rule.kind}|{base}"
                planned.append(
                    PlannedMessage(
                        key, rule.key, rule.kind, None, gate.closed_at, gate_key=gate.key, round=gate.round
                    )
                )
            continue
        if gate.status is not GateStatus.OPEN or gate.opened_at is None:
            continue
        waiting = [m for m in gate.member_ids if m not in gate.decisions]
        if rule.trigger is MessageTrigger.GATE_OPENED:
            planned += [
                PlannedMessage(
                    f"{_person(snapshot, m)}|{rule.kind}|{base}",
                    rule.key,
                    rule.kind,
                    m,
                    gate.opened_at,
                    gate_key=gate.key,
                    round=gate.round,
                )
                for m in waiting
            ]
        elif rule.trigger is MessageTrigger.GATE_REMINDER and rule.every_days:
            planned += [
                PlannedMessage(
                    f"{_person(snapshot, m)}|{rule.kind}|{base}|n{number}",
                    rule.key,
                    rule.kind,
                    m,
                    due,
                    gate_key=gate.key,
                    round=gate.round,
                    reminder=True,
                )
                for number, due in _reminder_times(
                    snapshot, gate.opened_at, gate.due_at, rule.every_days, rule.at
                )
                for m in waiting
            ]
        elif rule.trigger is MessageTrigger.GATE_ESCALATION:
            planned.append(
                PlannedMessage(
                    f"{_team(snapshot)}|{rule.kind}|{base}",
                    rule.key,
                    rule.kind,
                    None,
                    max(gate.due_at, gate.opened_at) + timedelta(days=rule.delay_days),
                    gate_key=gate.key,
                    round=gate.round,
                )
            )
    return planned


def _risk_alert(snapshot: AtelierSnapshot, rule: MessageRule, now: datetime) -> list[PlannedMessage]:
    if snapshot.risk != "at_risk" or snapshot.forecast_avis_at is None:
        return []
    day = ensure_utc(snapshot.forecast_avis_at).astimezone(PARIS).date().isoformat()
    return [PlannedMessage(f"{_team(snapshot)}|{rule.kind}|{day}", rule.key, rule.kind, None, now)]


def plan_messages(snapshot: AtelierSnapshot, now: datetime) -> list[PlannedMessage]:
    """Every message the atelier's rules call for, past and future, given its state."""
    planned: list[PlannedMessage] = []
    for rule in snapshot.template.messages:
        if rule.trigger is MessageTrigger.STEP_DONE:
            planned += _step_done(snapshot, rule)
        elif rule.trigger is MessageTrigger.EVENT_INVITATION:
            planned += _event_invitations(snapshot, rule)
        elif rule.trigger is MessageTrigger.BEFORE_EVENT:
            planned += _before_event(snapshot, rule)
        elif rule.trigger is MessageTrigger.NO_ANSWER:
            planned += _no_answer(snapshot, rule)
        elif rule.trigger is MessageTrigger.NO_EVALUATION:
            planned += _no_evaluation(snapshot, rule)
        elif rule.trigger is MessageTrigger.RISK_ALERT:
            planned += _risk_alert(snapshot, rule, now)
        elif rule.trigger is MessageTrigger.ADDED:
            planned += _added(snapshot, rule, now)
        else:
            planned += _gate_messages(snapshot, rule)
    return planned


def gate_counts(gate: GateView) -> tuple[int, int]:
    """(answers received, approvals needed) for the current round."""
    return len(gate.decisions), votes_needed(gate.quorum_rule, gate.quorum_n, max(1, len(gate.member_ids)))
