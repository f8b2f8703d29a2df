"""The timeline kept in a real SQLite database: planned, forecast and actual side by side."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select

from atelier.db import transaction
from atelier.errors import Refused
from atelier.services.ateliers import AtelierCreate, create_atelier, get_atelier
from atelier.services.events import list_events
from atelier.services.timeline import get_step, record_step_done, steps_of
from models import Gate, Stage
from models.enums import GateStatus, StepStatus
from tests.helpers import refused

CREATED = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)


def _create(engine: Engine, slug: str = "mobilites") -> None:
    with transaction(engine) as session:
        create_atelier(
            session=session,
            atelier_in=AtelierCreate(
                slug=slug,
                title="Mobilités rurales",
                commanditaire="Ministère des Transports",
                question="Quelles mobilités ?",
                decision_date=date(2027, 1, 11),
            ),
            now=CREATED,
        )


def test_creation_writes_stages_steps_and_pending_gates(engine: Engine) -> None:
    """A new atelier has its five stages, its steps planned and four pending gates."""
    _create(engine)
    with transaction(engine) as session:
        atelier = get_atelier(session=session, slug="mobilites")
        stages = session.exec(select(Stage).where(Stage.atelier_id == atelier.id)).all()
        gates = session.exec(select(Gate).where(Gate.atelier_id == atelier.id)).all()
        steps = steps_of(session=session, atelier=atelier)
        assert len(stages) == 5
        assert {g.key for g in gates} == {
            "cahier_des_charges_valide",
            "copil_1",
            "copil_2",
            "copil_3",
            "avis_valide",
            "reponse_validee",
        }
        assert all(g.status is GateStatus.PENDING for g in gates)
        assert all(s.planned_start == s.forecast_start for s in steps)
        decision = get_step(session=session, atelier=atelier, key="decision")
        assert decision.status is StepStatus.DONE
        assert atelier.target_avis_date == date(2027, 5, 11)
        assert atelier.forecast_avis_at is not None and atelier.forecast_avis_at.tzinfo is not None


def _mark(engine: Engine, key: str, when: datetime, now: datetime, *, by_gate: bool = False) -> None:
    with transaction(engine) as session:
        atelier = get_atelier(session=session, slug="mobilites")
        record_step_done(
            session=session,
            atelier=atelier,
            step_key=key,
            done_at=when,
            actor="test",
            now=now,
            by_gate=by_gate,
        )


def test_late_copil_moves_forecast_keeps_plan_and_logs_risk(engine: Engine) -> None:
    """COPIL 1 three weeks late: downstream forecasts move, plans stay, the risk is logged once."""
    _create(engine)
    with transaction(engine) as session:
        atelier = get_atelier(session=session, slug="mobilites")
        before = {s.key: s for s in steps_of(session=session, atelier=atelier)}
    now = before["copil_1"].planned_end + timedelta(days=21)
    for key in ("reunion_demande", "cahier_des_charges", "copil_constitue"):
        _mark(engine, key, before[key].planned_end, now)
    _mark(engine, "saisine_copil", before["saisine_copil"].planned_end, now, by_gate=True)
    _mark(engine, "copil_1", now, now, by_gate=True)
    with transaction(engine) as session:
        atelier = get_atelier(session=session, slug="mobilites")
        after = {s.key: s for s in steps_of(session=session, atelier=atelier)}
        events = list_events(session=session, atelier_id=atelier.id or 0, kind="avis_at_risk")
        assert atelier.risk == "at_risk"
        gate = session.exec(select(Gate).where(Gate.key == "copil_2")).one()
        assert gate.due_at == after["copil_2"].forecast_start
    for key in ("copil_2", "copil_3", "weekend_1", "weekend_2", "remise_avis"):
        assert after[key].planned_start == before[key].planned_start, key
        assert after[key].forecast_start > before[key].forecast_start, key
    assert after["weekend_1"].revision >= 1  # invites will be updated
    assert after["copil_1"].actual_end == now
    assert len(events) == 1
    assert events[0].detail["slack_days"] < 0


def test_step_before_its_dependencies_is_refused(engine: Engine) -> None:
    """A step cannot be done while a step it depends on is not."""
    _create(engine)
    now = datetime(2027, 3, 1, tzinfo=UTC)
    with refused("dépend de", Refused):
        _mark(engine, "cahier_des_charges", now, now)


def test_gate_step_cannot_be_marked_by_hand(engine: Engine) -> None:
    """A step closed by a gate is refused on the plain 'step done' path."""
    _create(engine)
    now = datetime(2027, 3, 1, tzinfo=UTC)
    with refused("se clôt par la décision", Refused):
        _mark(engine, "copil_1", now, now)


def test_duplicate_slug_is_refused_and_nothing_written(engine: Engine) -> None:
    """Creating an atelier twice with the same identifier is refused."""
    _create(engine)
    with refused("existe déjà", Refused):
        _create(engine)
    with transaction(engine) as session:
        assert len(session.exec(select(Stage)).all()) == 5
