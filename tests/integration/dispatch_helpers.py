"""A runtime on a fresh SQLite file pointed at a test SMTP server, and dispatchers that drain it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from atelier.bootstrap import Runtime, bootstrap
from atelier.clock import Clock
from atelier.config import Settings
from notifications.dispatcher import Dispatcher
from notifications.transport import SmtpTransport


def runtime_for(tmp_path: Path, port: int, clock: Clock) -> Runtime:
    settings = Settings(data_dir=tmp_path / "data", smtp_port=port, secret_key="test", dispatch_batch_size=50)
    return bootstrap(settings, clock=clock)


def dispatcher_for(
    runtime: Runtime, worker: str = "test", lease: timedelta = timedelta(seconds=60)
) -> Dispatcher:
    return Dispatcher(
        engine=runtime.engine,
        transport=SmtpTransport(runtime.settings),
        clock=runtime.clock,
        settings=runtime.settings,
        worker=worker,
        lease=lease,
    )


def drain(dispatcher: Dispatcher) -> int:
    """Send everything due now; the number sent."""

    async def run() -> int:
        try:
            return (await dispatcher.drain()).sent
        finally:
            await dispatcher.transport.close()

    return asyncio.run(run())
