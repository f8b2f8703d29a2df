"""One lifecycle, two ways of running it: as Prefect flows and tasks, and as plain calls without a
server. Each template's whole demo cast runs both ways, and a rejected gate too; every gate, stage,
step, message key and event must end the same."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from atelier.bootstrap import Runtime, install
from atelier.db import transaction
from atelier.demo.cast import COPIL
from atelier.demo.run import prepare, simulate
from atelier.planning.template import TEMPLATES_DIR_VARIABLE, available_templates
from atelier.services.ateliers import get_atelier
from atelier.services.timeline import record_step_done
from flows.lifecycle import advance_atelier, advance_without_prefect
from models import Event, Gate, OutboxMessage, Stage, Step
from models.enums import DecisionOutcome, GateStatus, StageStatus
from notifications.catcher import MailboxHandler, MailCatcher
from tests.integration.helpers import DECISION, World, decide_as, gate_of, template_copy

pytestmark = pytest.mark.prefect

Advance = Callable[[Runtime], Callable[[str, Any], object]]


def _prefect(runtime: Runtime) -> Callable[[str, Any], object]:
    install(runtime)
    return lambda slug, now: advance_atelier(slug=slug, now=now)


def _plain(runtime: Runtime) -> Callable[[str, Any], object]:
    return lambda slug, now: advance_without_prefect(runtime, slug, now)


def outcome(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """What a team would see at the end: gates, stages, steps, messages and the journal."""
    with transaction(runtime.engine) as session:
        return {
            "gates": [
                (g.key, g.status, g.round, g.opened_at, g.closed_at)
                for g in session.exec(select(Gate).order_by(col(Gate.id))).all()
            ],
            "stages": [
                (s.key, s.status, s.opened_at)
                for s in session.exec(select(Stage).order_by(col(Stage.id))).all()
            ],
            "steps": [
                (s.key, s.status, s.actual_end, s.forecast_start)
                for s in session.exec(select(Step).order_by(col(Step.id))).all()
            ],
            "messages": sorted(
                (m.key, m.kind, m.status, m.due_at) for m in session.exec(select(OutboxMessage)).all()
            ),
            "events": [
                (e.kind, e.at, e.actor, sorted(e.detail.items()))
                for e in session.exec(select(Event).order_by(col(Event.id))).all()
            ],
        }


Scenario = Callable[[World, Callable[[str, Any], object]], None]


def to_the_end(world: World, advance: Callable[[str, Any], object]) -> None:
    """The demo's cast until the atelier is complete."""
    simulate(world.runtime, world.clock, advance, slug=world.slug)


def run_cast(
    folder: Path, template: str, advance: Advance, scenario: Scenario = to_the_end
) -> dict[str, list[tuple[Any, ...]]]:
    """The demo's cast on ``template`` through ``scenario``; its outcome."""
    catcher = MailCatcher(MailboxHandler(folder=folder / "mailbox"))
    catcher.start()
    try:
        runtime, clock = prepare(
            folder / "data", folder / "mailbox", DECISION, catcher.bound_port, template=template
        )
        scenario(World(runtime, clock, catcher), advance(runtime))
        result = outcome(runtime)
        runtime.engine.dispose()
        return result
    finally:
        catcher.stop()


@pytest.mark.parametrize("template", sorted(available_templates()))
def test_both_ways_end_the_same(template: str, tmp_path: Path, prefect_api: str) -> None:
    """The demo cast on each template ends with the same gates, steps, messages and events either way."""
    plain = run_cast(tmp_path / "plain", template, _plain)
    with_prefect = run_cast(tmp_path / "prefect", template, _prefect)
    assert plain["stages"] and all(status.value == "done" for _, status, _ in plain["stages"])
    for part in plain:
        assert with_prefect[part] == plain[part], part


def rejected_then_two_months(world: World, advance: Callable[[str, Any], object]) -> None:
    """COPIL n°1 rejected, then the press briefing recorded, then the engine's daily check for 20 days."""
    simulate(
        world.runtime, world.clock, advance, slug=world.slug,
        until=lambda: gate_of(world, "copil_1").status is GateStatus.OPEN,
    )  # fmt: skip
    for name in COPIL[:3]:
        decide_as(world, "copil_1", name, DecisionOutcome.REJECT)
    world.clock.advance(timedelta(days=1))
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        record_step_done(session=session, atelier=atelier, step_key="point_presse", done_at=world.clock.now(),
                         actor="team", now=world.clock.now())  # fmt: skip
    for _day in range(20):
        world.clock.advance(timedelta(days=1))
        advance(world.slug, world.clock.now())


def test_a_rejected_gate_halts_the_atelier_both_ways(
    tmp_path: Path, prefect_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage whose step becomes ready after COPIL n°1 was rejected stays closed, either way, and
    both ways end the same (a side that skipped the halt rule would open it)."""

    def add_stage(data: dict[str, Any]) -> None:
        data["stages"].append({"key": "bilan", "name": "Bilan d'étape", "after": ["demande"]})
        data["steps"] += [
            {"key": "point_presse", "name": "Point presse", "stage": "demande", "kind": "task",
             "after": {"decision": 0}, "duration_days": 90},
            {"key": "bilan_d_etape", "name": "Bilan d'étape", "stage": "bilan", "kind": "task",
             "after": {"point_presse": 0}, "duration_days": 5},
        ]  # fmt: skip

    monkeypatch.setenv(TEMPLATES_DIR_VARIABLE, str(tmp_path / "modeles"))
    key = template_copy(tmp_path / "modeles", "atelier_citoyen_bilan", add_stage)
    plain = run_cast(tmp_path / "plain", key, _plain, rejected_then_two_months)
    with_prefect = run_cast(tmp_path / "prefect", key, _prefect, rejected_then_two_months)
    assert ("copil_1", GateStatus.REJECTED) in [(g[0], g[1]) for g in plain["gates"]]
    assert ("bilan", StageStatus.PENDING) in [(s[0], s[1]) for s in plain["stages"]]
    for part in plain:
        assert with_prefect[part] == plain[part], part
