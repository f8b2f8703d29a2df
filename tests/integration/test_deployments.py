"""`atelier engine` with ``ATELIER_ENGINE_RUNS=deployments``: the lifecycle and the daily check are
Prefect deployments, served by two engines on one Prefect server; a decision becomes one run, the
daily check is a Prefect schedule at 07:00 Paris, SIGTERM lets the runs under way finish."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest

from atelier.clock import PARIS
from atelier.db import transaction
from atelier.demo.cast import COPIL
from atelier.services.ateliers import get_atelier
from atelier.services.recruitment import find_lottery
from models.enums import DecisionOutcome, GateStatus
from tests.integration.helpers import (
    World,
    flow_runs,
    gate_of,
    is_completed,
    record_decision_in,
    to_asking_time,
    until_open,
)
from tests.integration.recruitment_helpers import in_atelier, ready_to_seal
from tests.processes import ATELIER, ROOT, wait_for

pytestmark = pytest.mark.prefect


def _engine(world: World, prefect_api: str, stamp: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api,
        "ATELIER_ENGINE_RUNS": "deployments",
        "ATELIER_ENGINE_POLL_SECONDS": "1",
        "ATELIER_SECRET_KEY": world.runtime.settings.resolved_secret_key(),
    }
    data_dir = str(world.runtime.settings.data_dir)
    with log.open("wb") as out:
        return subprocess.Popen(
            [*ATELIER, "--data-dir", data_dir, "--now", stamp, "engine"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def _decide_in_one_go(world: World, gate_key: str, names: list[str]) -> None:
    """Three members' approvals recorded together (one transaction: engines see them at once)."""
    with transaction(world.runtime.engine) as session:
        for name in names:
            record_decision_in(session, world, gate_key, name, DecisionOutcome.APPROVE, None)


def test_two_engines_serve_the_deployments_and_a_decision_is_one_run(
    world: World, prefect_api: str, database_url: str | None, tmp_path: Path
) -> None:
    """Two engines on deployments: their start catches up through a daily check's runs; a decision
    seen by both becomes one lifecycle run, which opens the next COPIL; the daily check is a
    Prefect schedule (07:00, Europe/Paris); SIGTERM ends both cleanly after the run under way, every
    run completed."""
    if database_url is None:
        pytest.skip("deployments need PostgreSQL (the runs are processes of their own)")
    from flows.deployed import DAILY_CHECK_DEPLOYMENT, LIFECYCLE_DEPLOYMENT, trigger_lifecycle

    began = datetime.now(UTC)
    until_open(world, "cahier_des_charges_valide")
    to_asking_time(world, "copil_1")
    stamp = world.clock.now().astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")  # --now is Paris time
    engines = [_engine(world, prefect_api, stamp, tmp_path / f"engine-{n}.log") for n in (1, 2)]
    try:
        checked = lambda: _completed(LIFECYCLE_DEPLOYMENT, began, key_part="|controle|") >= 1  # noqa: E731
        assert wait_for(checked, 180), _logs(tmp_path)
        assert gate_of(world, "copil_1").status is GateStatus.PENDING  # the charter is not approved yet
        _decide_in_one_go(world, "cahier_des_charges_valide", COPIL[:3])
        assert wait_for(lambda: gate_of(world, "copil_1").status is GateStatus.OPEN, 120), _logs(tmp_path)
        in_flight = trigger_lifecycle(world.slug, now=world.clock.now(), key="test|sigterm")
        assert wait_for(lambda: _state(in_flight) in ("RUNNING", "COMPLETED"), 60)
        assert _state(in_flight) == "RUNNING", "the run ended before the signal: nothing checked"
    finally:
        for engine in engines:
            engine.send_signal(signal.SIGTERM)
        codes = [engine.wait(timeout=120) for engine in engines]
    assert codes == [0, 0], _logs(tmp_path)
    assert _state(in_flight) == "COMPLETED"  # the run under way at SIGTERM finished
    assert "les exécutions en cours sont terminées" in _logs(tmp_path)
    lifecycle = flow_runs(LIFECYCLE_DEPLOYMENT, began)
    on_event = [run for run in lifecycle if "|evenement|" in (run.idempotency_key or "")]
    assert len(on_event) == 1  # two engines saw the same decisions: one run
    assert {run.name for run in lifecycle} == {f"{world.slug} · cycle de vie"}
    assert all(f"atelier:{world.slug}" in run.tags for run in lifecycle)
    assert all(is_completed(run) for run in lifecycle), [run.state for run in lifecycle]
    assert _daily_schedule(DAILY_CHECK_DEPLOYMENT) == ("0 7 * * *", "Europe/Paris")


def test_a_seal_seen_by_two_engines_is_one_deployment_run(
    lottery_world: World, prefect_api: str, database_url: str | None, tmp_path: Path
) -> None:
    """A seal asked for while two engines serve the deployments: one `scellement-du-tirage` run, in
    a process of its own, seals the lottery; the other engine starts none."""
    if database_url is None:
        pytest.skip("deployments need PostgreSQL (the runs are processes of their own)")
    from flows.deployed import SEAL_DEPLOYMENT

    world = lottery_world
    began = datetime.now(UTC)
    ready_to_seal(world)
    stamp = world.clock.now().astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
    engines = [_engine(world, prefect_api, stamp, tmp_path / f"engine-{n}.log") for n in (1, 2)]
    try:
        in_atelier(world, "request_seal", size=15, algorithm="maximin", max_seconds=None)
        assert wait_for(lambda: _sealed(world), 180), _logs(tmp_path)
    finally:
        for engine in engines:
            engine.send_signal(signal.SIGTERM)
        codes = [engine.wait(timeout=120) for engine in engines]
    assert codes == [0, 0], _logs(tmp_path)
    runs = flow_runs(SEAL_DEPLOYMENT, began)
    assert [run.name for run in runs] == [f"{world.slug} · scellement du tirage"]
    assert is_completed(runs[0]) and f"atelier:{world.slug}" in runs[0].tags


def _sealed(world: World) -> bool:
    with transaction(world.runtime.engine) as session:
        lottery = find_lottery(session=session, atelier=get_atelier(session=session, slug=world.slug))
        return lottery is not None and lottery.sealed_at is not None


def _state(run_id: UUID) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    return state.type.value if state is not None else "NONE"


def _completed(deployment: str, since: datetime, *, key_part: str) -> int:
    return len(
        [
            run
            for run in flow_runs(deployment, since)
            if key_part in (run.idempotency_key or "") and is_completed(run)
        ]
    )


def _daily_schedule(deployment: str) -> tuple[str, str]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        schedules = client.read_deployment_by_name(deployment).schedules
    (schedule,) = schedules
    return str(getattr(schedule.schedule, "cron", "")), str(getattr(schedule.schedule, "timezone", ""))


def _logs(folder: Path) -> str:
    return "\n".join(path.read_text(errors="replace")[-4000:] for path in sorted(folder.glob("engine-*.log")))
