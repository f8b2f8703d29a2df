"""What a real SMTP server does to delivery: bad addresses, outages, slow relays and two dispatchers."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from atelier.bootstrap import Runtime
from atelier.clock import SimulatedClock, SystemClock
from atelier.db import transaction
from models import OutboxMessage
from models.enums import OutboxStatus
from notifications.catcher import MailboxHandler, MailCatcher
from notifications.dispatcher import RETRY_DELAYS
from notifications.synthetic import insert_rows, synthetic_rows
from tests.integration.dispatch_helpers import dispatcher_for, drain, runtime_for
from tests.integration.helpers import parse

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def _rows(runtime: Runtime) -> list[OutboxMessage]:
    with transaction(runtime.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def _subjects(handler: MailboxHandler) -> list[str]:
    return [str(parse(m)["Subject"]) for m in handler.messages]


def _team_subjects(handler: MailboxHandler, runtime: Runtime) -> list[str]:
    """Subjects of what the team received (the synthetic messages go to other people)."""
    return [
        str(parse(m)["Subject"]) for m in handler.messages if m.recipients == [runtime.settings.team_email]
    ]


def _with_recipients(rows: list[dict[str, object]], *recipients: str) -> list[dict[str, object]]:
    for row, recipient in zip(rows, recipients, strict=False):
        row["recipient"] = recipient
    return rows


def test_non_ascii_address_fails_alone_and_does_not_poison_the_next(tmp_path: Path) -> None:
    """A relay without SMTPUTF8: josé@ fails at once with a clear reason; the next message leaves."""
    handler = MailboxHandler()
    server = MailCatcher(handler, smtputf8=False)
    server.start()
    try:
        runtime = runtime_for(tmp_path, server.bound_port, SimulatedClock(NOW))
        rows = synthetic_rows(3, first_due=NOW, spread=timedelta(0), settings=runtime.settings)
        insert_rows(runtime.engine, _with_recipients(rows, "José <josé@example.org>"))
        assert drain(dispatcher_for(runtime)) == 3  # the two others, then the team's alert
    finally:
        server.stop()
    by_key = {r.key: r for r in _rows(runtime)}
    jose = by_key["s|0"]
    assert jose.status is OutboxStatus.FAILED and jose.attempts == 1
    assert "SMTPUTF8" in (jose.last_error or "")
    assert by_key["s|1"].status is OutboxStatus.SENT and by_key["s|1"].attempts == 0
    assert by_key["s|2"].status is OutboxStatus.SENT
    (alert,) = _team_subjects(handler, runtime)
    assert alert.startswith("[Équipe projet] Message non distribué")


def test_internationalised_address_is_sent_with_smtputf8(tmp_path: Path, catcher: MailCatcher) -> None:
    """A relay offering SMTPUTF8 receives josé@ and an IDN domain, with readable headers."""
    runtime = runtime_for(tmp_path, catcher.bound_port, SimulatedClock(NOW))
    rows = synthetic_rows(2, first_due=NOW, spread=timedelta(0), settings=runtime.settings)
    insert_rows(runtime.engine, _with_recipients(rows, "José <josé@example.org>", "Zoé <zoe@élysée.example>"))
    assert drain(dispatcher_for(runtime)) == 2
    envelopes = sorted(r for m in catcher.mailbox.messages for r in m.recipients)
    assert envelopes == ["josé@example.org", "zoe@" + "élysée".encode("idna").decode() + ".example"]
    assert "josé@example.org" in str(parse(catcher.mailbox.messages[0])["To"])


def test_permanently_refused_recipient_alerts_the_team_once(tmp_path: Path, catcher: MailCatcher) -> None:
    """A 550 for one address: given up at once, one alert naming it; the others are delivered."""
    runtime = runtime_for(tmp_path, catcher.bound_port, SimulatedClock(NOW))
    insert_rows(
        runtime.engine, synthetic_rows(3, first_due=NOW, spread=timedelta(0), settings=runtime.settings)
    )
    catcher.mailbox.unknown_recipients = {"personne1@example.org"}
    drain(dispatcher_for(runtime))
    statuses = {r.key: r.status for r in _rows(runtime)}
    assert statuses["s|1"] is OutboxStatus.FAILED
    assert statuses["s|0"] is statuses["s|2"] is OutboxStatus.SENT
    (alert,) = _team_subjects(catcher.mailbox, runtime)
    assert "Message non distribué" in alert


def test_outage_is_announced_once_after_a_while_and_its_end_once(
    tmp_path: Path, catcher: MailCatcher
) -> None:
    """50 messages refused for 20 h: one outage alert past 15 min, one at recovery, none per message."""
    clock = SimulatedClock(NOW)
    runtime = runtime_for(tmp_path, catcher.bound_port, clock)
    insert_rows(
        runtime.engine, synthetic_rows(50, first_due=NOW, spread=timedelta(0), settings=runtime.settings)
    )
    catcher.mailbox.refusing = True
    elapsed = timedelta(0)
    while elapsed < timedelta(hours=20):
        drain(dispatcher_for(runtime))
        clock.advance(timedelta(minutes=1))
        elapsed += timedelta(minutes=1)
        kinds = Counter(r.kind for r in _rows(runtime))
        if elapsed <= timedelta(minutes=14):
            assert kinds["team_delivery_outage"] == 0
    kinds = Counter(r.kind for r in _rows(runtime))
    assert kinds["team_delivery_outage"] == 1 and kinds["team_undeliverable_alert"] == 0
    outage = next(r for r in _rows(runtime) if r.kind == "team_delivery_outage")
    # Detected at the first failed attempt past 15 min (retries come after 1, 6 and 21 min).
    assert outage.created_at <= NOW + timedelta(minutes=21)
    assert "50 messages en attente seront envoyés automatiquement" in outage.body_text
    catcher.mailbox.refusing = False
    clock.advance(timedelta(hours=3))  # past every message's next retry (the last one, at 22 h 21)
    drain(dispatcher_for(runtime))
    team = _team_subjects(catcher.mailbox, runtime)
    assert len(team) == 2
    assert sum("en échec depuis" in s for s in team) == 1 and sum("a repris" in s for s in team) == 1
    assert len(catcher.mailbox.messages) == 52  # every message once, and the two alerts


def test_batch_outlasting_the_lease_is_not_sent_twice(tmp_path: Path) -> None:
    """A slow relay makes a batch last longer than the lease: two dispatchers still send each message once."""
    handler = MailboxHandler(delay_seconds=0.05)
    server = MailCatcher(handler)
    server.start()
    try:
        now = datetime.now(UTC)
        runtime = runtime_for(tmp_path, server.bound_port, SystemClock())
        total = 120
        insert_rows(
            runtime.engine,
            synthetic_rows(
                total, first_due=now - timedelta(minutes=1), spread=timedelta(0), settings=runtime.settings
            ),
        )
        lease = timedelta(seconds=0.5)  # a batch of 50 at 0.05 s each lasts 2.5 s
        first, second = dispatcher_for(runtime, "one", lease), dispatcher_for(runtime, "two", lease)

        async def both() -> None:
            await asyncio.gather(first.drain(), second.drain())
            await first.transport.close()
            await second.transport.close()

        asyncio.run(both())
    finally:
        server.stop()
    counts = Counter(str(parse(m)["Message-ID"]) for m in handler.messages)
    assert len(counts) == total
    assert max(counts.values()) == 1, f"{sum(counts.values()) - total} duplicates"
    assert all(r.status is OutboxStatus.SENT for r in _rows(runtime))


def test_catcher_restart_keeps_earlier_mail(tmp_path: Path) -> None:
    """Two catchers in turn on one folder: every message has its own file."""
    folder = tmp_path / "mailbox"
    for _round in range(2):
        server = MailCatcher(MailboxHandler(folder=folder))
        server.start()
        try:
            runtime = runtime_for(tmp_path / str(_round), server.bound_port, SimulatedClock(NOW))
            insert_rows(
                runtime.engine,
                # Keys per round: on PostgreSQL both rounds share one database.
                synthetic_rows(
                    3, first_due=NOW, spread=timedelta(0), settings=runtime.settings, prefix=f"s{_round}"
                ),
            )
            drain(dispatcher_for(runtime))
        finally:
            server.stop()
    assert len(list(folder.glob("*.eml"))) == 6


def test_retry_delays_are_what_the_readme_says() -> None:
    """Seven retries from 1 min to 12 h: a message is given up after about 22 h."""
    assert sum(RETRY_DELAYS, timedelta(0)) == timedelta(hours=22, minutes=21)


def _worker(tmp_path: Path, port: int, name: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.dispatch_worker",
            str(tmp_path / "data"),
            str(port),
            name,
            "3",
        ],
        cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
    return process


def test_two_dispatchers_killed_repeatedly_lose_nothing(tmp_path: Path) -> None:
    """Two dispatcher processes, a relay at 0.5 s a message, three SIGKILLs: 0 lost, duplicates ≤ kills."""
    handler = MailboxHandler(delay_seconds=0.5)
    server = MailCatcher(handler)
    server.start()
    total, kills = 40, 3
    workers: list[subprocess.Popen[bytes]] = []
    try:
        now = datetime.now(UTC)
        runtime = runtime_for(tmp_path, server.bound_port, SystemClock())
        insert_rows(
            runtime.engine,
            synthetic_rows(
                total, first_due=now - timedelta(minutes=1), spread=timedelta(0), settings=runtime.settings
            ),
        )
        workers = [_worker(tmp_path, server.bound_port, "a0"), _worker(tmp_path, server.bound_port, "b")]
        deadline = time.monotonic() + 120
        for kill in range(kills):
            target = len(handler.messages) + 3
            while len(handler.messages) < target and time.monotonic() < deadline:
                time.sleep(0.05)  # waiting for the relay to receive, not for the clock
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)
            workers[0] = _worker(tmp_path, server.bound_port, f"a{kill + 1}")
        while time.monotonic() < deadline:
            with transaction(runtime.engine) as session:
                pending = session.exec(
                    select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                ).all()
            if not pending:
                break
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(timeout=10)
        server.stop()
    counts = Counter(str(parse(m)["Message-ID"]) for m in handler.messages)
    assert len(counts) == total, "messages lost"
    assert sum(counts.values()) - total <= kills
    assert all(r.status is OutboxStatus.SENT for r in _rows(runtime))
