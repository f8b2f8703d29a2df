"""Sending through a relay that takes 200 ms per message: one connection (the baseline, measured in
the same run) against eight, and the rate limit held.

The relay is aiosmtpd in its own process (bench/relay_server.py) answering each DATA after 200 ms,
as a real relay's latency; the dispatcher is the product's, on a fresh SQLite outbox, as
`atelier dispatch` runs it.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from atelier.bootstrap import bootstrap
from atelier.clock import SystemClock
from atelier.config import get_settings
from notifications.dispatcher import Dispatcher
from notifications.synthetic import insert_rows, synthetic_rows
from notifications.transport import SmtpTransport


def _send_all(count: int, delay: float, **limits: int) -> tuple[float, int, int]:
    """Messages a second as the relay received them (first to last), how many, how many at once."""
    relay = subprocess.Popen(
        [sys.executable, "-m", "bench.relay_server", str(delay)], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(relay.stdout.readline()) if relay.stdout else 0
        with tempfile.TemporaryDirectory() as tmp:
            settings = get_settings(data_dir=Path(tmp), smtp_port=port, secret_key="bench", **limits)
            runtime = bootstrap(settings, clock=SystemClock())
            rows = synthetic_rows(
                count,
                first_due=datetime.now(UTC) - timedelta(minutes=1),
                spread=timedelta(0),
                settings=settings,
                domains=("a.example.org", "b.example.org", "c.example.org"),
            )
            insert_rows(runtime.engine, rows)
            dispatcher = Dispatcher(
                engine=runtime.engine,
                transport=SmtpTransport(settings),
                clock=runtime.clock,
                settings=settings,
                worker="bench",
            )

            async def drain() -> None:
                while (await dispatcher.drain_once()).claimed:
                    pass
                await dispatcher.transport.close()

            asyncio.run(drain())
            runtime.engine.dispose()
        relay.send_signal(signal.SIGTERM)
        received = json.loads(relay.communicate(timeout=30)[0])
        times = sorted(received["times"])
        rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
        return rate, len(times), int(received["most_at_once"])
    finally:
        if relay.poll() is None:
            relay.kill()


def run_relay(count: int, delay: float = 0.2, connections: int = 8) -> None:
    start = time.perf_counter()
    one, sent_one, _ = _send_all(count // 4, delay)
    many, sent_many, at_once = _send_all(count, delay, smtp_connections=connections)
    print(f"== relay: {delay * 1000:.0f} ms per message at the relay")
    print(f"   1 connection (baseline): {one:6.2f} msg/s  ({sent_one} messages)")
    print(
        f"   {connections} connections: {many:6.2f} msg/s  ratio {many / one:.2f}x"
        f"  (goal >= {0.8 * connections:.1f}x)  ({sent_many} messages, {at_once} at once at most)"
    )
    cap = int(many * 60 * 0.6)  # a cap below what eight connections reach, so that it binds
    held, sent_held, _ = _send_all(count, delay, smtp_connections=connections, smtp_rate_per_minute=cap)
    print(
        f"   {connections} connections, limit {cap}/min: {held * 60:7.1f}/min"
        f"  ({(held * 60 / cap - 1) * 100:+.1f} % of the limit, goal within 2 %; {sent_held} messages)"
    )
    print(f"   ({time.perf_counter() - start:.0f} s in all)")
