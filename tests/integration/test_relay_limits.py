"""Sending through a relay: several connections at once, its rate limits, and a stop that loses nothing."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from atelier.bootstrap import Runtime, bootstrap
from atelier.clock import SimulatedClock
from atelier.config import get_settings
from atelier.db import transaction
from models import OutboxMessage
from models.enums import OutboxStatus
from notifications.catcher import CaughtMessage, MailboxHandler, MailCatcher
from notifications.synthetic import insert_rows, synthetic_rows
from tests.integration.dispatch_helpers import dispatcher_for, drain

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def _relay(delay: float) -> MailCatcher:
    server = MailCatcher(MailboxHandler(delay_seconds=delay))
    server.start()
    return server


def _runtime(tmp_path: Path, relay: MailCatcher, **limits: int) -> Runtime:
    settings = get_settings(
        data_dir=tmp_path / "data", smtp_port=relay.bound_port, secret_key="test", **limits
    )
    return bootstrap(settings, clock=SimulatedClock(NOW))


def _queue(runtime: Runtime, count: int, domains: tuple[str, ...] = ("example.org",)) -> None:
    rows = synthetic_rows(
        count,
        first_due=NOW - timedelta(minutes=1),
        spread=timedelta(0),
        settings=runtime.settings,
        with_ics=False,
        domains=domains,
    )
    insert_rows(runtime.engine, rows)


def _gaps(messages: list[CaughtMessage]) -> list[float]:
    times = sorted(m.received_at for m in messages)
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def _statuses(runtime: Runtime) -> Counter[OutboxStatus]:
    with transaction(runtime.engine) as session:
        return Counter(row.status for row in session.exec(select(OutboxMessage)).all())


def test_eight_connections_send_eight_messages_at_once_each_once(tmp_path: Path) -> None:
    """With smtp_connections=8 the relay receives eight messages at a time, and each message once."""
    relay = _relay(delay=0.2)
    try:
        runtime = _runtime(tmp_path, relay, smtp_connections=8)
        _queue(runtime, 40)
        assert drain(dispatcher_for(runtime)) == 40
        assert relay.mailbox.most_at_once == 8
        recipients = Counter(m.recipients[0] for m in relay.mailbox.messages)
        assert len(recipients) == 40 and max(recipients.values()) == 1
        assert _statuses(runtime) == Counter({OutboxStatus.SENT: 40})
    finally:
        relay.stop()


def test_one_connection_sends_one_message_at_a_time(tmp_path: Path) -> None:
    """The default keeps one connection: the relay never receives two messages at once."""
    relay = _relay(delay=0.05)
    try:
        runtime = _runtime(tmp_path, relay)
        _queue(runtime, 6)
        assert drain(dispatcher_for(runtime)) == 6
        assert relay.mailbox.most_at_once == 1
    finally:
        relay.stop()


def test_rate_limit_holds_the_rate_even_with_four_connections(tmp_path: Path) -> None:
    """At 600 messages a minute, 13 messages take over a second whatever the connections, no burst."""
    relay = _relay(delay=0.0)
    try:
        runtime = _runtime(tmp_path, relay, smtp_connections=4, smtp_rate_per_minute=600)
        _queue(runtime, 13)
        assert drain(dispatcher_for(runtime)) == 13
        gaps = _gaps(relay.mailbox.messages)
        # 10 a second, a quarter second's worth (2.5) may leave together: first to last >= 0.95 s.
        assert sum(gaps) >= 0.95, gaps
    finally:
        relay.stop()


def test_domain_limit_holds_one_domain_and_lets_the_others_through(tmp_path: Path) -> None:
    """A domain at its limit waits while messages to another domain go out in between."""
    relay = _relay(delay=0.0)
    try:
        runtime = _runtime(tmp_path, relay, smtp_connections=2, smtp_domain_rate_per_minute=200)
        # Four to one provider, then four to another, queued in that order.
        _queue(runtime, 4, domains=("grand-fournisseur.fr",))
        rows = synthetic_rows(
            4,
            first_due=NOW,
            spread=timedelta(0),
            settings=runtime.settings,
            with_ics=False,
            prefix="b",
            domains=("autre.fr",),
        )
        insert_rows(runtime.engine, rows)
        assert drain(dispatcher_for(runtime)) == 8
        arrived = sorted(relay.mailbox.messages, key=lambda m: m.received_at)
        by_domain = {
            domain: [m for m in arrived if m.recipients[0].endswith(domain)]
            for domain in ("grand-fournisseur.fr", "autre.fr")
        }
        for messages in by_domain.values():
            assert min(_gaps(messages)) >= 0.27  # 200 a minute: 0.3 s apart
        # The second domain did not wait for the first to be done.
        first_other = arrived.index(by_domain["autre.fr"][0])
        assert first_other < 4, [m.recipients[0] for m in arrived]
    finally:
        relay.stop()


def test_stop_finishes_the_message_in_flight_and_hands_back_the_rest(tmp_path: Path) -> None:
    """A dispatcher told to stop mid-batch sends the message under way, then leaves the rest to others."""
    relay = _relay(delay=0.3)
    try:
        runtime = _runtime(tmp_path, relay)
        _queue(runtime, 10)
        dispatcher = dispatcher_for(runtime, worker="partant")

        async def run() -> int:
            async def stop_soon() -> None:
                while relay.mailbox.most_at_once == 0:  # polls the relay, no simulated time involved
                    await asyncio.sleep(0.01)
                dispatcher.stop()

            stopper = asyncio.create_task(stop_soon())
            stats = await dispatcher.drain()
            await stopper
            await dispatcher.transport.close()
            return stats.sent

        assert asyncio.run(run()) == 1
        assert len(relay.mailbox.messages) == 1
        with transaction(runtime.engine) as session:
            rows = session.exec(select(OutboxMessage)).all()
        assert Counter(r.status for r in rows) == Counter({OutboxStatus.SENT: 1, OutboxStatus.PENDING: 9})
        # Handed back, not held until the lease runs out: another dispatcher sends them at once.
        assert all(r.claimed_by is None for r in rows if r.status is OutboxStatus.PENDING)
        assert drain(dispatcher_for(runtime, worker="suivant")) == 9
        recipients = Counter(m.recipients[0] for m in relay.mailbox.messages)
        assert len(recipients) == 10 and max(recipients.values()) == 1
    finally:
        relay.stop()
