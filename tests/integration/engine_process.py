"""The engine in its own process (Prefect flows + dispatcher), for the kill-and-restart test."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from atelier.bootstrap import bootstrap, install
from atelier.clock import SimulatedClock
from atelier.config import Settings
from atelier.prefect_runtime import prefect_client
from notifications.dispatcher import Dispatcher
from notifications.transport import SmtpTransport


def main(data_dir: str, port: int, now: str, slug: str) -> None:
    from flows.lifecycle import advance_atelier

    settings = Settings(data_dir=Path(data_dir), smtp_port=port, secret_key="demo-secret-not-for-production")
    clock = SimulatedClock(datetime.fromisoformat(now))
    runtime = install(bootstrap(settings, clock=clock, run_migrations=False))
    dispatcher = Dispatcher(
        engine=runtime.engine,
        transport=SmtpTransport(settings),
        clock=clock,
        settings=settings,
        worker="engine",
    )
    with prefect_client(os.environ["PREFECT_API_URL"]):
        while True:
            advance_atelier(slug=slug, now=clock.now())
            asyncio.run(dispatcher.drain())
            print("cycle", flush=True)
            time.sleep(0.1)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
