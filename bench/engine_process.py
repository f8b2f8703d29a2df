"""One engine process for the daily-check benchmark: waits for "go" on stdin, runs the daily check
(``EngineWorker.trigger_all``) with the in-process advance, and prints its runs and seconds.

Usage: python -m bench.engine_process DATABASE_URL NOW_ISO
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from tempfile import mkdtemp

from atelier.bootstrap import bootstrap
from atelier.clock import SimulatedClock
from atelier.config import Settings
from atelier.serve import EngineWorker
from flows.lifecycle import advance_without_prefect


def main(url: str, now: str) -> None:
    settings = Settings(data_dir=Path(mkdtemp(prefix="bench-engine-")), database_url=url, secret_key="bench")
    runtime = bootstrap(settings, clock=SimulatedClock(datetime.fromisoformat(now)), run_migrations=False)
    worker = EngineWorker(runtime, lambda slug, at: advance_without_prefect(runtime, slug, at))
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.perf_counter()
    worker.start()
    worker.trigger_all()
    while not worker.idle():
        time.sleep(0.01)
    worker.stop()
    seconds = time.perf_counter() - start
    print(
        json.dumps({"runs": worker.runs, "passed_over": worker.passed_over, "seconds": seconds}), flush=True
    )
    runtime.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
