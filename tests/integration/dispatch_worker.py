"""A dispatcher in its own process, for the crash tests: drains the outbox until killed.

Usage: python -m tests.integration.dispatch_worker DATA_DIR SMTP_PORT [WORKER [LEASE_SECONDS]]
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from atelier.bootstrap import bootstrap
from atelier.config import Settings
from notifications.dispatcher import Dispatcher
from notifications.transport import SmtpTransport


async def main(data_dir: str, port: int, worker: str, lease_seconds: float) -> None:
    settings = Settings(data_dir=Path(data_dir), smtp_port=port, secret_key="test", dispatch_batch_size=50)
    runtime = bootstrap(settings, run_migrations=False)
    dispatcher = Dispatcher(
        engine=runtime.engine,
        transport=SmtpTransport(settings),
        clock=runtime.clock,
        settings=settings,
        worker=worker,
        lease=timedelta(seconds=lease_seconds),
    )
    print("ready", flush=True)
    while True:
        stats = await dispatcher.drain_once()
        if stats.claimed == 0:
            await asyncio.sleep(0.1)  # the ticker's pause between two empty polls


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(
        main(
            args[0],
            int(args[1]),
            args[2] if len(args) > 2 else "doomed",
            float(args[3]) if len(args) > 3 else 60,
        )
    )
