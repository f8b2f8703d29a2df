"""The dispatcher against a real SMTP server: slow, refusing, down, and killed mid-batch."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from atelier.bootstrap import Runtime
from atelier.clock import SimulatedClock
from atelier.db import transaction
from models import OutboxMessage
from notifications.catcher import MailboxHandler, MailCatcher
from notifications.dispatcher import RETRY_DELAYS
from notifications.synthetic import insert_rows, synthetic_rows
from tests.integration.dispatch_helpers import dispatcher_for, drain, runtime_for
from tests.integration.helpers import World, parse

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def _statuses(runtime: Runtime) -> Counter[str]:
    with transaction(runtime.engine) as session:
        return Counter(r.status.value for r in session.exec(select(OutboxMessage)).all())


def _received_ids(catcher: MailCatcher) -> Counter[str]:
    return Counter(str(parse(m)["Message-ID"]) for m in catcher.mailbox.messages)


def test_queuing_twice_sends_once(world: World) -> None:
    """Planning the same messages again (a replayed flow) queues nothing new; each leaves once."""
    from atelier.demo.run import simulate
    from flows.lifecycle import advance_without_prefect

    simulate(
        world.runtime,
        world.clock,
        lambda s, n: advance_without_prefect(world.runtime, s, n),
        until=lambda: bool(world.catcher.mailbox.messages),
    )
    before = _statuses(world.runtime)
    for _ in range(2):
        report = advance_without_prefect(world.runtime, world.slug, world.clock.now())
        assert report.queued == 0
    assert _statuses(world.runtime) == before
    drain(dispatcher_for(world.runtime))
    ids = _received_ids(world.catcher)
    assert ids and max(ids.values()) == 1


def test_refusing_server_delays_without_losing(tmp_path: Path, catcher: MailCatcher) -> None:
    """A server answering 451 for a while: retried with backoff, then every message once."""
    clock = SimulatedClock(NOW)
    runtime = runtime_for(tmp_path, catcher.bound_port, clock)
    insert_rows(
        runtime.engine, synthetic_rows(20, first_due=NOW, spread=timedelta(0), settings=runtime.settings)
    )
    catcher.mailbox.refusing = True
    assert drain(dispatcher_for(runtime)) == 0
    with transaction(runtime.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
        assert all(r.attempts == 1 and r.next_attempt_at == NOW + RETRY_DELAYS[0] for r in rows)
        assert all("451" in (r.last_error or "") for r in rows)
    clock.advance(timedelta(seconds=30))
    assert drain(dispatcher_for(runtime)) == 0  # not yet time to retry
    clock.advance(RETRY_DELAYS[0])
    catcher.mailbox.refusing = False
    assert drain(dispatcher_for(runtime)) == 20
    assert _statuses(runtime) == Counter({"sent": 20})
    assert sorted(_received_ids(catcher).values()) == [1] * 20


def test_server_down_for_a_while(tmp_path: Path) -> None:
    """With no server listening, messages wait; when it comes back they are delivered once."""
    handler = MailboxHandler()
    first = MailCatcher(handler)
    first.start()
    port = first.bound_port
    first.stop()
    clock = SimulatedClock(NOW)
    runtime = runtime_for(tmp_path, port, clock)
    insert_rows(
        runtime.engine, synthetic_rows(5, first_due=NOW, spread=timedelta(0), settings=runtime.settings)
    )
    assert drain(dispatcher_for(runtime)) == 0
    assert _statuses(runtime) == Counter({"pending": 5})
    back = MailCatcher(handler, port=port)
    back.start()
    try:
        clock.advance(RETRY_DELAYS[0] + timedelta(seconds=1))
        assert drain(dispatcher_for(runtime)) == 5
    finally:
        back.stop()
    assert sorted(Counter(m.data for m in handler.messages).values()) == [1] * 5


def test_killed_mid_batch_loses_nothing(tmp_path: Path) -> None:
    """SIGKILL while sending: after a restart every message arrives, at most the in-flight one twice."""
    handler = MailboxHandler(delay_seconds=0.02)
    server = MailCatcher(handler)
    server.start()
    try:
        now = datetime.now(UTC)
        runtime = runtime_for(tmp_path, server.bound_port, SimulatedClock(now))
        total = 200
        insert_rows(
            runtime.engine,
            synthetic_rows(
                total, first_due=now - timedelta(minutes=1), spread=timedelta(0), settings=runtime.settings
            ),
        )
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.dispatch_worker",
                str(tmp_path / "data"),
                str(server.bound_port),
            ],
            cwd=Path(__file__).parents[2],
            stdout=subprocess.PIPE,
            env={**os.environ},
        )
        assert worker.stdout is not None and worker.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + 60
        while len(handler.messages) < total // 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        delivered_before = len(handler.messages)
        assert 0 < delivered_before < total

        # Restart after the lease of the dead worker's claims has expired.
        handler.delay_seconds = 0
        runtime.clock = SimulatedClock(now + timedelta(minutes=2))
        drain(dispatcher_for(runtime, worker="restarted"))
    finally:
        server.stop()
    counts = Counter(str(parse(m)["Message-ID"]) for m in handler.messages)
    assert len(counts) == total  # nothing lost
    assert sum(counts.values()) - total <= 1  # at most the message in flight, twice
    assert _statuses(runtime) == Counter({"sent": total})


def test_two_dispatchers_never_send_the_same_message(tmp_path: Path, catcher: MailCatcher) -> None:
    """Two dispatchers draining one outbox at once: every message leaves exactly once."""
    clock = SimulatedClock(NOW)
    runtime = runtime_for(tmp_path, catcher.bound_port, clock)
    insert_rows(
        runtime.engine, synthetic_rows(300, first_due=NOW, spread=timedelta(0), settings=runtime.settings)
    )
    first, second = dispatcher_for(runtime, "one"), dispatcher_for(runtime, "two")

    async def both() -> tuple[int, int]:
        results = await asyncio.gather(first.drain(), second.drain())
        await first.transport.close()
        await second.transport.close()
        return results[0].sent, results[1].sent

    sent_one, sent_two = asyncio.run(both())
    assert sent_one + sent_two == 300
    assert sorted(_received_ids(catcher).values()) == [1] * 300
