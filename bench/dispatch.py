"""Sending throughput and reminder lateness against a local aiosmtpd.

Baselines in the same run: raw aiosmtplib over one persistent connection (the same messages
built the same way, no database), and stdlib smtplib with a new connection per message.
"""

from __future__ import annotations

import asyncio
import smtplib
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosmtplib
from sqlmodel import select

from atelier.bootstrap import Runtime, bootstrap
from atelier.clock import SystemClock
from atelier.config import Settings
from atelier.db import transaction
from models import OutboxMessage
from models.enums import OutboxStatus
from notifications.catcher import MailboxHandler, MailCatcher
from notifications.dispatcher import Dispatcher
from notifications.mime import build_email, envelope_recipients, serialise
from notifications.synthetic import insert_rows, synthetic_rows
from notifications.transport import SmtpTransport


def _rows_as_models(rows: list[dict[str, object]]) -> list[OutboxMessage]:
    return [OutboxMessage.model_validate(r) for r in rows]


async def _raw_aiosmtplib(port: int, rows: list[OutboxMessage], settings: Settings) -> float:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, local_hostname="bench.localdomain")
    await client.connect()
    start = time.perf_counter()
    for row in rows:
        message = build_email(row, settings=settings, now=datetime.now(UTC))
        await client.sendmail(settings.mail_from, envelope_recipients(row), serialise(message))
    elapsed = time.perf_counter() - start
    await client.quit()
    return len(rows) / elapsed


def _smtplib_new_connection(port: int, rows: list[OutboxMessage], settings: Settings) -> float:
    start = time.perf_counter()
    for row in rows:
        message = build_email(row, settings=settings, now=datetime.now(UTC))
        with smtplib.SMTP("127.0.0.1", port, local_hostname="bench.localdomain") as client:
            client.sendmail(settings.mail_from, envelope_recipients(row), serialise(message))
    return len(rows) / (time.perf_counter() - start)


@contextmanager
def _local_setup() -> Iterator[tuple[MailCatcher, Settings, Runtime, Dispatcher]]:
    """A local aiosmtpd, a fresh SQLite outbox, and a dispatcher on the system clock."""
    catcher = MailCatcher(MailboxHandler())
    catcher.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), smtp_port=catcher.bound_port, secret_key="bench")
            runtime = bootstrap(settings, clock=SystemClock())
            dispatcher = Dispatcher(
                engine=runtime.engine,
                transport=SmtpTransport(settings),
                clock=runtime.clock,
                settings=settings,
                worker="bench",
            )
            try:
                yield catcher, settings, runtime, dispatcher
            finally:
                runtime.engine.dispose()
    finally:
        catcher.stop()


# Baseline and dispatcher alternate, and each rate is the median of its rounds: the machine's
# noise (the raw baseline alone varies by ±15 % from run to run) then weighs on both alike.
ROUNDS = 3


def run_dispatch(count: int) -> None:
    per_round = max(1, count // ROUNDS)
    raws: list[float] = []
    ours: list[float] = []
    sent = 0
    with _local_setup() as (catcher, settings, runtime, dispatcher):

        async def drain_all() -> int:
            total = 0
            while (stats := await dispatcher.drain_once()).claimed:
                total += stats.sent
            await dispatcher.transport.close()
            return total

        for round_number in range(ROUNDS):
            rows = synthetic_rows(
                per_round,
                first_due=datetime.now(UTC) - timedelta(minutes=1),
                spread=timedelta(0),
                settings=settings,
                prefix=f"r{round_number}",
            )
            raws.append(asyncio.run(_raw_aiosmtplib(catcher.bound_port, _rows_as_models(rows), settings)))
            insert_rows(runtime.engine, rows)
            start = time.perf_counter()
            round_sent = asyncio.run(drain_all())
            ours.append(round_sent / (time.perf_counter() - start))
            sent += round_sent
        smtplib_count = min(per_round, 2_000)
        stdlib = _smtplib_new_connection(catcher.bound_port, _rows_as_models(rows)[:smtplib_count], settings)
    raw, mine = statistics.median(raws), statistics.median(ours)
    print(f"== dispatch: {ROUNDS} interleaved rounds of {per_round} messages (text + HTML + .ics), medians")
    print(f"   raw aiosmtplib, one connection (baseline): {raw:8.1f} msg/s  (rounds: {_rates(raws)})")
    print(
        f"   smtplib, new connection per message ({smtplib_count}): {stdlib:8.1f} msg/s"
        f"  ratio {stdlib / raw:.2f}x"
    )
    print(
        f"   atelier dispatcher (outbox, commit per message): {mine:8.1f} msg/s  ratio {mine / raw:.2f}x"
        f"  (goal >= 0.80x) sent={sent}  (rounds: {_rates(ours)})"
    )


def _rates(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


def run_lateness(count: int, spread_seconds: int = 60) -> None:
    """Reminders spread over a minute, woken by the APScheduler ticker of `atelier serve`."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    with _local_setup() as (_catcher, settings, runtime, dispatcher):
        first = datetime.now(UTC) + timedelta(seconds=3)
        rows = synthetic_rows(
            count, first_due=first, spread=timedelta(seconds=spread_seconds), settings=settings, prefix="late"
        )
        insert_rows(runtime.engine, rows)

        async def main() -> None:
            lock = asyncio.Lock()

            async def tick() -> None:
                if not lock.locked():
                    async with lock:
                        await dispatcher.drain()

            scheduler = AsyncIOScheduler()
            scheduler.add_job(
                tick,
                "interval",
                seconds=settings.dispatch_interval_seconds,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
            scheduler.start()
            await asyncio.sleep(spread_seconds + 6)
            scheduler.shutdown(wait=False)
            await dispatcher.transport.close()

        asyncio.run(main())
        with transaction(runtime.engine) as session:
            sent = session.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)).all()
            lateness = sorted((r.sent_at - r.due_at).total_seconds() for r in sent if r.sent_at)
    p99 = lateness[int(len(lateness) * 0.99) - 1] if lateness else float("nan")
    print(f"== lateness: {count} reminders spread over {spread_seconds} s, 1 s ticker")
    print(
        f"   sent {len(lateness)}/{count}; p50 {statistics.median(lateness):.2f} s, p99 {p99:.2f} s, "
        f"max {lateness[-1]:.2f} s (goal p99 <= 1 s)"
    )
