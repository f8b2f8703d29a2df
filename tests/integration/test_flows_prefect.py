"""The stage flows on a real Prefect server: gates hold, loop, and survive a killed engine."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from atelier.bootstrap import install
from atelier.db import transaction
from atelier.demo.cast import COPIL
from atelier.services.ateliers import get_atelier
from atelier.services.gates import record_revision
from models import Decision, Gate, OutboxMessage, Stage
from models.enums import DecisionOutcome, GateStatus, StageStatus
from tests.integration.helpers import (
    World,
    decide_as,
    decision_token_of,
    gate_of,
    parse,
    to_asking_time,
    until_open,
)

pytestmark = pytest.mark.prefect


def _advance_with_prefect(world: World) -> object:
    from flows.lifecycle import advance_atelier

    install(world.runtime)
    return advance_atelier(slug=world.slug, now=world.clock.now())


def _flow_run_names() -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import FlowRunSort

    async def read() -> list[str]:
        async with get_client() as client:
            return [
                run.name for run in await client.read_flow_runs(limit=200, sort=FlowRunSort.START_TIME_DESC)
            ]

    return asyncio.run(read())


def test_lifecycle_flow_does_not_pass_a_gate_before_quorum(world: World, prefect_api: str) -> None:
    """Through Prefect: two approvals of three leave COPIL n°1 unasked; the third one asks it."""
    until_open(world, "cahier_des_charges_valide")
    for name in COPIL[:2]:
        decide_as(world, "cahier_des_charges_valide", name, DecisionOutcome.APPROVE)
    report = _advance_with_prefect(world)
    assert getattr(report, "waiting_on") == ["cahier_des_charges_valide"]
    assert gate_of(world, "copil_1").status is GateStatus.PENDING
    decide_as(world, "cahier_des_charges_valide", COPIL[2], DecisionOutcome.APPROVE)
    to_asking_time(world, "copil_1")
    report = _advance_with_prefect(world)
    assert getattr(report, "waiting_on") == ["copil_1"]
    assert gate_of(world, "copil_1").status is GateStatus.OPEN
    names = _flow_run_names()
    assert f"{world.slug} · cycle de vie" in names
    assert f"{world.slug} · cadrage" in names


def test_sent_back_gate_loops_through_the_flow(world: World, prefect_api: str) -> None:
    """Through Prefect: a sent-back COPIL n°1 waits for its revised version, then is asked as round 2."""
    until_open(world, "copil_1")
    for name in COPIL[:3]:
        decide_as(world, "copil_1", name, DecisionOutcome.SEND_BACK, "Revoir l'échantillon.")
    report = _advance_with_prefect(world)
    assert getattr(report, "waiting_on") == ["copil_1"]
    assert (gate_of(world, "copil_1").status, gate_of(world, "copil_1").round) == (GateStatus.SENT_BACK, 1)
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        record_revision(
            session=session, atelier=atelier, gate_key="copil_1", note="Quotas revus.", now=world.clock.now()
        )
    _advance_with_prefect(world)
    gate = gate_of(world, "copil_1")
    assert (gate.status, gate.round) == (GateStatus.OPEN, 2)


def _start_engine(world: World, tmp_path: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.engine_process",
            str(world.runtime.settings.data_dir),
            str(world.catcher.bound_port),
            world.clock.now().isoformat(),
            world.slug,
        ],
        cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE,
        stderr=open(tmp_path / "engine.log", "ab"),  # noqa: SIM115
        env={**os.environ},
    )
    return process


def _wait_cycles(process: subprocess.Popen[bytes], count: int) -> None:
    assert process.stdout is not None
    for _ in range(count):
        line = process.stdout.readline()
        assert line.strip() == b"cycle", f"engine died: {line!r}"


def test_killed_engine_loses_no_approval_and_resends_nothing(
    world: World, prefect_api: str, tmp_path: Path
) -> None:
    """SIGKILL the engine with a gate open; a decision taken meanwhile counts once it is back."""
    until_open(world, "cahier_des_charges_valide")
    engine = _start_engine(world, tmp_path)
    try:
        _wait_cycles(engine, 2)
        for name in COPIL[:2]:
            from atelier.services.link_actions import decide_via_link

            token = decision_token_of(world, name, "cahier_des_charges_valide", 1)
            decide_via_link(
                world.runtime, token, outcome=DecisionOutcome.APPROVE, comment=None, now=world.clock.now()
            )
        _wait_cycles(engine, 2)
    finally:
        engine.send_signal(signal.SIGKILL)
        engine.wait(timeout=10)
    assert gate_of(world, "cahier_des_charges_valide").status is GateStatus.OPEN

    # While the engine is down, the third member decides through the web page's code path.
    from atelier.services.link_actions import decide_via_link

    token = decision_token_of(world, COPIL[2], "cahier_des_charges_valide", 1)
    decide_via_link(
        world.runtime, token, outcome=DecisionOutcome.APPROVE, comment=None, now=world.clock.now()
    )

    to_asking_time(world, "copil_1")  # the engine comes back when COPIL n°1 is to be asked
    engine = _start_engine(world, tmp_path)
    try:
        _wait_cycles(engine, 3)
    finally:
        engine.terminate()
        engine.wait(timeout=20)

    with transaction(world.runtime.engine) as session:
        gate = session.exec(select(Gate).where(Gate.key == "cahier_des_charges_valide")).one()
        decisions = session.exec(select(Decision).where(Decision.gate_id == gate.id)).all()
        cadrage = session.exec(select(Stage).where(Stage.key == "cadrage")).one()
        requests = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "decision_request")).all()
        request_ids = {r.message_id: r.context.get("gate") for r in requests}
    assert gate.status is GateStatus.APPROVED
    assert len(decisions) == 3
    assert cadrage.status is StageStatus.OPEN
    received = Counter(str(parse(m)["Message-ID"]) for m in world.catcher.mailbox.messages)
    assert max(received.values()) == 1  # nothing sent twice across the kill
    per_gate = Counter(request_ids[m] for m in received if m in request_ids)
    assert per_gate == {"cahier_des_charges_valide": 5, "copil_1": 5}
