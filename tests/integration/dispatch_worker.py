"""A dispatcher in its own process, for the crash test: drains the outbox until killed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from atelier.bootstrap import bootstrap
from atelier.config import Settings
from notifications.dispatcher import Dispatcher
from notifications.transport import SmtpTransport


async def main(data_dir: str, port: int) -> None:
    settings = Settings(data_dir=Path(data_dir), smtp_port=port, secret_key="test", dispatch_batch_size=50)
    runtime = bootstrap(settings, run_migrations=False)
    dispatcher = Dispatcher(
        engine=runtime.engine,
        transport=SmtpTransport(settings),
        clock=runtime.clock,
        settings=settings,
        worker="doomed",
    )
    print("ready", flush=True)
    while True:
        await dispatcher.drain_once()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
