"""Chaos on PostgreSQL: two web processes, three dispatchers and two engines (one advancing ateliers
in its own thread, one serving Prefect deployments: both paths, as in the middle of an operator's
switch from one to the other), a slow relay (0.3 s a message) and 2,000 messages while a gate is
being decided; a random process is killed (SIGKILL) every 1.5 s and restarted, 20 times. Nothing
is lost, duplicates stay within what the killed dispatchers had in flight, each engine step happens
once, and every decision the web acknowledged is kept."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import col, select

from atelier.clock import PARIS
from atelier.db import transaction
from atelier.demo.cast import COPIL
from atelier.prefect_runtime import free_port
from atelier.services.ateliers import get_atelier
from atelier.services.events import record_event
from flows.deployed import LIFECYCLE_DEPLOYMENT
from models import Decision, Event, OutboxMessage, Person
from models.enums import OutboxStatus
from notifications.catcher import MailboxHandler, MailCatcher
from notifications.synthetic import insert_rows, synthetic_rows
from tests.integration.helpers import World, decision_token_of, flow_runs, is_completed, until_open
from tests.processes import ATELIER, ROOT, healthy, wait_for

GATE = "cahier_des_charges_valide"
MESSAGES, KILLS = 2_000, 20
CONNECTIONS = 4  # per dispatcher: a dispatcher killed has up to this many messages in flight


class Fleet:
    """The processes of a production deployment, each restartable under the same name."""

    def __init__(self, world: World, relay_port: int, prefect_api: str) -> None:
        settings = world.runtime.settings
        self.data_dir = settings.data_dir
        self.now = world.clock.now().astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")  # --now is Paris time
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
            "PREFECT_API_URL": prefect_api,
            "ATELIER_SECRET_KEY": settings.resolved_secret_key(),
            "ATELIER_SMTP_PORT": str(relay_port),
            "ATELIER_SMTP_CONNECTIONS": str(CONNECTIONS),
            "ATELIER_DISPATCH_LEASE_SECONDS": "5",
        }
        self.web_ports = [free_port(), free_port()]
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: Counter[str] = Counter()

    def _command(self, name: str) -> list[str]:
        base = [*ATELIER, "--data-dir", str(self.data_dir)]
        if name.startswith("web"):
            # Pages and engines at the atelier's (simulated) hour; dispatchers on the real clock,
            # which their leases run on (the synthetic messages are due in the real past).
            return [*base, "--now", self.now, "web", "--port", str(self.web_ports[int(name[-1])])]
        if name.startswith("engine"):
            return [*base, "--now", self.now, "engine"]
        return [*base, "dispatch"]

    def start(self, name: str) -> None:
        runs = {"engine1": {"ATELIER_ENGINE_RUNS": "deployments", "ATELIER_ENGINE_POLL_SECONDS": "1"}}
        self.processes[name] = subprocess.Popen(
            self._command(name),
            env=self.env | runs.get(name, {}),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )

    def kill_one(self, rng: random.Random) -> str:
        name = rng.choice(sorted(self.processes))
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        self.kills[name.rstrip("0123456789")] += 1
        self.start(name)
        return name

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def _decide_through_some_web(fleet: Fleet, token: str, rng: random.Random) -> bool:
    """POST the decision to one web process, then the other: True once one acknowledged it."""
    for port in rng.sample(fleet.web_ports, 2):
        try:
            answer = httpx.post(
                f"http://127.0.0.1:{port}/decision/{token}",
                data={"outcome": "approve", "comment": ""},
                timeout=10,
            )
        except httpx.HTTPError:
            continue  # that process is down (killed, restarting): try the other
        if answer.status_code == 200 and "Votre décision est enregistrée" in answer.text:
            return True
        if "déjà été utilisé" in answer.text:
            return True  # recorded by a process killed before it could answer: the member is told so
    return False


def _sent(world: World) -> int:
    with transaction(world.runtime.engine) as session:
        return len(
            session.exec(
                select(OutboxMessage.id).where(
                    OutboxMessage.status == OutboxStatus.SENT, col(OutboxMessage.kind) == "synthetic"
                )
            ).all()
        )


def test_kill_nine_twenty_times_loses_nothing(
    world: World, database_url: str | None, prefect_api: str
) -> None:
    """20 SIGKILLs among 7 processes: 2,000 messages all received, duplicates ≤ the messages in
    flight in the dispatchers killed, no engine step twice, every acknowledged decision kept, and the
    engine serving deployments still runs what is recorded after."""
    if database_url is None:
        pytest.skip("several processes of each kind: the PostgreSQL pass")
    until_open(world, GATE)
    tokens = {name: decision_token_of(world, name, GATE, 1) for name in COPIL[:3]}
    relay = MailCatcher(MailboxHandler(delay_seconds=0.3))
    relay.start()
    rows = synthetic_rows(
        MESSAGES,
        first_due=datetime.now(UTC) - timedelta(minutes=1),
        spread=timedelta(0),
        settings=world.runtime.settings,
        with_ics=False,
        prefix="chaos",
    )
    insert_rows(world.runtime.engine, rows)
    fleet = Fleet(world, relay.bound_port, prefect_api)
    rng = random.Random(20271111)
    acknowledged: list[str] = []
    served = False
    try:
        for name in ("web0", "web1", "engine0", "engine1", "dispatch0", "dispatch1", "dispatch2"):
            fleet.start(name)
        assert wait_for(
            lambda: all(healthy(p) for p in fleet.web_ports) and bool(relay.mailbox.messages), 120
        )
        for kill in range(KILLS):
            time.sleep(1.5)  # the chaos's own pace (real processes), not simulated time
            fleet.kill_one(rng)
            if kill in (4, 9, 14):  # a member decides while processes die around
                name = COPIL[kill // 5]
                if _decide_through_some_web(fleet, tokens[name], rng):
                    acknowledged.append(name)
        for name in COPIL[:3]:  # whoever was refused by a dying process tries again, as a member would
            if name not in acknowledged and wait_for(
                lambda: _decide_through_some_web(fleet, tokens[name], rng), 120
            ):
                acknowledged.append(name)
        wait_for(lambda: _sent(world) >= MESSAGES, 240)
        # The engine serving deployments still serves after the kills: what is recorded now becomes
        # a completed run (runs claimed by a runner killed mid-way may stay pending in Prefect).
        after = datetime.now(UTC)
        with transaction(world.runtime.engine) as session:
            atelier = get_atelier(session=session, slug=world.slug)
            record_event(
                session=session, atelier_id=atelier.id, actor="team", kind="chaos_over", at=world.clock.now()
            )
        served = wait_for(
            lambda: any(is_completed(run) for run in flow_runs(LIFECYCLE_DEPLOYMENT, after)), 180
        )
    finally:
        fleet.stop_all()
        relay.stop()

    received = Counter(m.recipients[0] for m in relay.mailbox.messages)
    assert len(received) == MESSAGES, f"lost: {MESSAGES - len(received)}"
    duplicates = sum(received.values()) - MESSAGES
    print(f"chaos: {MESSAGES} received, {duplicates} twice, kills {dict(fleet.kills)}")  # for the log
    # A message the relay accepted from a dispatcher killed before it could record it is sent again
    # by another: at most the messages in flight, one per connection of each dispatcher killed.
    assert duplicates <= fleet.kills["dispatch"] * CONNECTIONS, (duplicates, fleet.kills)
    assert _sent(world) == MESSAGES
    with transaction(world.runtime.engine) as session:
        decided = {
            (p.full_name, d.outcome.value)
            for d, p in session.exec(select(Decision, Person).join(Person)).all()
        }
        engine_events = session.exec(select(Event).where(Event.actor == "engine")).all()
    assert sorted(acknowledged) == sorted(COPIL[:3]), "a web process never answered"
    assert {(name, "approve") for name in acknowledged} <= decided
    steps = Counter((e.atelier_id, e.kind, repr(sorted(e.detail.items()))) for e in engine_events)
    assert not [step for step, count in steps.items() if count > 1]
    assert sum(fleet.kills.values()) == KILLS
    assert served, "the engine serving deployments ran nothing of what was recorded after the chaos"
