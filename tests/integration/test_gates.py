"""COPIL gates on a real SQLite database: quorum, refusals, send back, signed links."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COPIL
from atelier.errors import Refused
from atelier.i18n import long_datetime
from atelier.planning.french_calendar import VenueCalendar
from atelier.planning.template import get_template
from atelier.planning.timeline import revised_decision_due_at
from atelier.services.ateliers import get_atelier
from atelier.services.events import list_events
from atelier.services.gates import get_gate, record_revision
from atelier.services.link_actions import decide_via_link
from flows.lifecycle import advance_without_prefect
from models import Gate, OutboxMessage, Stage
from models.enums import DecisionOutcome, GateStatus, StageStatus
from tests.helpers import refused
from tests.integration.helpers import World, decide_as, decision_token_of, gate_of, to_asking_time, until_open
from tests.served import snapshot


def _stage_status(world: World, key: str) -> StageStatus:
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        return (
            session.exec(select(Stage).where(Stage.atelier_id == atelier.id, Stage.key == key)).one().status
        )


def _stage(world: World, key: str) -> StageStatus:
    with transaction(world.runtime.engine) as session:
        return session.exec(select(Stage).where(Stage.key == key)).one().status


def test_gate_holds_until_quorum(world: World) -> None:
    """Two approvals of three needed: the next stage does not open; the third one opens it."""
    until_open(world, "cahier_des_charges_valide")
    for name in COPIL[:2]:
        decide_as(world, "cahier_des_charges_valide", name, DecisionOutcome.APPROVE)
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    assert gate_of(world, "cahier_des_charges_valide").status is GateStatus.OPEN
    assert gate_of(world, "copil_1").status is GateStatus.PENDING
    assert _stage(world, "cadrage") is StageStatus.PENDING
    decide_as(world, "cahier_des_charges_valide", COPIL[2], DecisionOutcome.APPROVE)
    to_asking_time(world, "copil_1")
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    assert gate_of(world, "cahier_des_charges_valide").status is GateStatus.APPROVED
    assert gate_of(world, "copil_1").status is GateStatus.OPEN
    assert _stage(world, "cadrage") is StageStatus.OPEN


def test_refusals_non_member_twice_and_closed(world: World) -> None:
    """A citizen cannot vote on a COPIL gate, a member cannot vote twice, a closed gate takes none."""
    until_open(world, "cahier_des_charges_valide")
    with refused("n'est pas membre", Refused):
        decide_as(world, "cahier_des_charges_valide", CITIZENS[0], DecisionOutcome.APPROVE)
    decide_as(world, "cahier_des_charges_valide", COPIL[0], DecisionOutcome.APPROVE)
    with refused("a déjà décidé", Refused):
        decide_as(world, "cahier_des_charges_valide", COPIL[0], DecisionOutcome.REJECT)
    for name in COPIL[1:3]:
        decide_as(world, "cahier_des_charges_valide", name, DecisionOutcome.APPROVE)
    with refused("est approuvée", Refused):
        decide_as(world, "cahier_des_charges_valide", COPIL[4], DecisionOutcome.APPROVE)
    with refused("n'est pas encore soumise", Refused):
        decide_as(world, "copil_3", COPIL[0], DecisionOutcome.APPROVE)


def _revise(world: World, gate_key: str, note: str) -> Gate:
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        gate = record_revision(
            session=session, atelier=atelier, gate_key=gate_key, note=note, now=world.clock.now()
        )
        session.flush()
        session.expunge(gate)
        return gate


def _sent(world: World, kind: str, gate_key: str, round: int) -> list[OutboxMessage]:
    with transaction(world.runtime.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
        return [r for r in rows if r.context.get("gate") == gate_key and r.context.get("round") == round]


def test_sent_back_gate_waits_for_the_revised_version(world: World) -> None:
    """After a send back, members are not asked again until the team records the revised version;
    the team is told why it was sent back; the new request says what changed and is due a week later."""
    until_open(world, "copil_1")
    with refused("motivé par un commentaire", Refused):
        decide_as(world, "copil_1", COPIL[0], DecisionOutcome.SEND_BACK)
    with refused("n'a pas été renvoyée pour reprise", Refused):
        _revise(world, "copil_1", "Trop tôt.")
    for name in COPIL[:3]:
        decide_as(world, "copil_1", name, DecisionOutcome.SEND_BACK, f"Revoir l'échantillon ({name}).")
    world.clock.advance(timedelta(days=1))
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    gate = gate_of(world, "copil_1")
    assert (gate.status, gate.round) == (GateStatus.SENT_BACK, 1)
    assert _sent(world, "decision_request", "copil_1", 2) == []
    to_team = _sent(world, "team_revision_request", "copil_1", 1)
    assert to_team and len({r.recipient for r in to_team}) == len(to_team)  # each team member once
    for row in to_team:
        assert f"- {COPIL[0]} : Revoir l'échantillon ({COPIL[0]})." in row.body_text
        assert f"atelier gate revise {world.slug} copil_1" in row.body_text

    before = snapshot(world.runtime.engine)
    with refused("dites en une phrase ce qui a changé", Refused):
        _revise(world, "copil_1", "   ")
    assert snapshot(world.runtime.engine) == before

    revised_at = world.clock.now()
    gate = _revise(world, "copil_1", "Quotas revus : 40 % de communes rurales.")
    due = revised_decision_due_at(revised_at, 7, get_template("atelier_citoyen"), VenueCalendar("75"))
    assert gate.due_at == due
    with refused("est déjà enregistrée", Refused):
        _revise(world, "copil_1", "Encore.")
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    gate = gate_of(world, "copil_1")
    assert (gate.status, gate.round, gate.due_at) == (GateStatus.OPEN, 2, due)
    round_two = _sent(world, "decision_request", "copil_1", 2)
    assert len(round_two) == 5
    for row in round_two:
        assert "(version révisée)" in row.subject
        assert (
            "Ce qui a changé, selon l'équipe projet : Quotas revus : 40 % de communes rurales."
            in row.body_text
        )
        assert f"Votre décision est attendue avant le {long_datetime(due)}." in row.body_text
    for name in COPIL[:3]:
        decide_as(world, "copil_1", name, DecisionOutcome.APPROVE)
    assert gate_of(world, "copil_1").status is GateStatus.APPROVED


def test_signed_links_forged_expired_reused_or_stale_are_refused_and_logged(world: World) -> None:
    """Links decide once; forged, reused, expired and previous-round links are refused and logged."""
    until_open(world, "copil_1")
    runtime, now = world.runtime, world.clock.now()
    token = decision_token_of(world, COPIL[0], "copil_1", 1)
    with refused("n'est pas valide", Refused):
        decide_via_link(runtime, token[:-3] + "xyz", outcome=DecisionOutcome.APPROVE, comment=None, now=now)
    decide_via_link(runtime, token, outcome=DecisionOutcome.SEND_BACK, comment="À revoir", now=now)
    with refused("déjà été utilisé", Refused):
        decide_via_link(runtime, token, outcome=DecisionOutcome.APPROVE, comment=None, now=now)
    late = now + timedelta(days=runtime.settings.link_max_age_days + 1)
    with refused("a expiré", Refused):
        decide_via_link(
            runtime,
            decision_token_of(world, COPIL[3], "copil_1", 1),
            outcome=DecisionOutcome.APPROVE,
            comment=None,
            now=late,
        )
    for name in COPIL[1:3]:
        decide_via_link(
            runtime,
            decision_token_of(world, name, "copil_1", 1),
            outcome=DecisionOutcome.SEND_BACK,
            comment="À revoir",
            now=now,
        )
    with refused("sa version révisée n'est pas encore soumise", Refused):
        decide_via_link(
            runtime,
            decision_token_of(world, COPIL[4], "copil_1", 1),
            outcome=DecisionOutcome.APPROVE,
            comment=None,
            now=now,
        )
    _revise(world, "copil_1", "Échantillon revu.")
    advance_without_prefect(runtime, world.slug, now)  # round 2
    with refused("version précédente", Refused):
        decide_via_link(
            runtime,
            decision_token_of(world, COPIL[4], "copil_1", 1),
            outcome=DecisionOutcome.APPROVE,
            comment=None,
            now=now,
        )
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        logged = [
            e.detail["reason"]
            for e in list_events(session=session, atelier_id=atelier.id or 0, kind="link_refused")
        ]
    # The journal gives the reason as the person read it.
    assert any("déjà été utilisé" in r for r in logged)
    assert any("a expiré" in r for r in logged)
    assert any("version précédente" in r for r in logged)


def test_rejected_gate_halts_the_atelier(world: World) -> None:
    """A rejected COPIL n°1 stops the lifecycle: no stage runs, COPIL n°2 is never asked."""
    until_open(world, "copil_1")
    for name in COPIL[:3]:
        decide_as(world, "copil_1", name, DecisionOutcome.REJECT)
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    assert gate_of(world, "copil_1").status is GateStatus.REJECTED
    assert gate_of(world, "copil_2").status is GateStatus.PENDING
    world.clock.advance(timedelta(days=8))
    report = advance_without_prefect(world.runtime, world.slug, world.clock.now())
    assert report.halted and report.stages_run == []
    assert _stage_status(world, "logistique") is StageStatus.PENDING
    with transaction(world.runtime.engine) as session:
        gate = get_gate(session=session, atelier=get_atelier(session=session, slug=world.slug), key="copil_1")
        assert gate.closed_at is not None


def test_refused_link_decision_writes_nothing_and_spends_no_link(world: World) -> None:
    """A send-back without comment through a link is refused; the database is as before, the link usable."""
    from tests.served import snapshot

    until_open(world, "copil_1")
    runtime, now = world.runtime, world.clock.now()
    token = decision_token_of(world, COPIL[0], "copil_1", 1)
    before = snapshot(runtime.engine, skip=("event",))
    with refused("motivé par un commentaire", Refused):
        decide_via_link(runtime, token, outcome=DecisionOutcome.SEND_BACK, comment=" ", now=now)
    assert snapshot(runtime.engine, skip=("event",)) == before
    decide_via_link(runtime, token, outcome=DecisionOutcome.SEND_BACK, comment="À revoir", now=now)


def test_decisive_vote_refused_leaves_no_decision_behind(world: World) -> None:
    """A vote that reaches the quorum but cannot close the gate is refused whole: no orphan decision."""
    from models import Step
    from models.enums import StepStatus
    from tests.served import snapshot

    until_open(world, "cahier_des_charges_valide")
    for name in COPIL[:2]:
        decide_as(world, "cahier_des_charges_valide", name, DecisionOutcome.APPROVE)
    # A restored database in which the gate's step was already recorded as done.
    gate = gate_of(world, "cahier_des_charges_valide")
    with transaction(world.runtime.engine) as session:
        step = session.get(Step, gate.step_id)
        assert step is not None
        step.status, step.actual_end = StepStatus.DONE, world.clock.now()
        session.add(step)
    before = snapshot(world.runtime.engine, skip=("event",))
    with refused("déjà faite", Refused):
        decide_as(world, "cahier_des_charges_valide", COPIL[2], DecisionOutcome.APPROVE)
    assert snapshot(world.runtime.engine, skip=("event",)) == before
    assert gate_of(world, "cahier_des_charges_valide").status is GateStatus.OPEN


def test_meeting_gate_is_asked_a_week_before_its_meeting(world: World) -> None:
    """COPIL n°2 is ready two weeks ahead; members are asked a week before, and reminded twice at most."""
    from datetime import time

    from atelier.clock import PARIS

    until_open(world, "copil_2")
    gate = gate_of(world, "copil_2")
    with transaction(world.runtime.engine) as session:
        copil_1 = session.exec(select(Gate).where(Gate.key == "copil_1")).one()
        requests = session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.kind).in_(["decision_request", "decision_reminder"])
            )
        ).all()
    assert copil_1.closed_at is not None and gate.opened_at is not None
    assert (gate.opened_at - copil_1.closed_at).days >= 5  # not asked as soon as it was ready
    asked_day = (gate.due_at.astimezone(PARIS) - timedelta(days=7)).date()
    assert gate.opened_at.astimezone(PARIS).date() == asked_day
    assert gate.opened_at.astimezone(PARIS).time() == time(9, 0)
    per_member = [r for r in requests if r.context.get("gate") == "copil_2" and r.person_id is not None]
    by_person: dict[int, int] = {}
    for row in per_member:
        by_person[row.person_id or 0] = by_person.get(row.person_id or 0, 0) + 1
    assert by_person and max(by_person.values()) <= 3  # the request and at most two reminders
