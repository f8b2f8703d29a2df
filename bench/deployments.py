"""Advancing one atelier through a Prefect deployment's run against in-process (the baseline,
measured in the same run), and the two ways to give one atelier one run at a time: PostgreSQL's
advisory lock (chosen) against a Prefect global concurrency limit (``concurrency(strict=True)``).

A throwaway PostgreSQL cluster (tests/postgres.py) and a local Prefect server (SQLite). The same
atelier is advanced again and again at the same instant: after the first advance there is little
left to do, so what is measured is what each path costs around the work.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from atelier.bootstrap import Runtime, bootstrap, install
from atelier.clock import PARIS
from atelier.config import Settings
from atelier.db import held_exclusively, transaction
from atelier.demo.cast import demo_people
from atelier.demo.run import demo_atelier
from atelier.prefect_runtime import LocalPrefectServer, prefect_client
from atelier.services.ateliers import create_atelier
from atelier.services.people import add_people
from tests.postgres import start_cluster

DECISION = date(2027, 1, 11)
SLUG = "atelier-banc"


def _timed(repeat: int, action: Callable[[], object]) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return timings


def _until_final(run_id: object) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        while True:
            state = client.read_flow_run(run_id).state  # type: ignore[arg-type]
            if state is not None and state.is_final():
                if not state.is_completed():
                    raise RuntimeError(f"deployment run ended {state.type}")
                return
            time.sleep(0.02)


def run_deployments(repeat: int = 5) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-deployments-"))
    cluster = start_cluster(Path(tempfile.mkdtemp(prefix="bench-pg-")))
    server = LocalPrefectServer(folder / "prefect")
    try:
        api_url = server.start(timeout=240)
        url = cluster.new_database()
        settings = Settings(data_dir=folder / "data", database_url=url, secret_key="bench")
        # The runs of the deployment are processes of their own: they read these.
        os.environ.update({**settings.as_environment(), "PREFECT_API_URL": api_url})
        runtime = install(bootstrap(settings))
        now = datetime.combine(DECISION + timedelta(days=30), clock_time(7, 0), tzinfo=PARIS)
        with transaction(runtime.engine) as session:
            atelier, _ = create_atelier(session=session, atelier_in=demo_atelier(DECISION).model_copy(
                update={"slug": SLUG}), now=now - timedelta(days=30))  # fmt: skip
            add_people(session=session, atelier=atelier, people=demo_people(), now=now - timedelta(days=30))
        with prefect_client(api_url):
            in_process, deployed = _advance_both_ways(runtime, now, repeat)
            advisory, prefect_limit = _locks(runtime, repeat * 20)
    finally:
        server.stop()
        cluster.stop()
    print(f"== deployments: one atelier advanced, median of {repeat} (PostgreSQL, local Prefect server)")
    print(f"   in-process flow run (baseline): {in_process:6.2f} s")
    print(
        f"   deployment run, trigger → completed: {deployed:6.2f} s  ratio {deployed / in_process:.1f}x "
        f"(+{deployed - in_process:.2f} s: the runner's poll, a new process, its imports)"
    )
    print(f"== one run per atelier at a time: take and give back, median of {repeat * 20}")
    print(f"   PostgreSQL advisory lock (baseline): {advisory * 1000:7.2f} ms")
    print(
        f"   Prefect concurrency(strict=True):    {prefect_limit * 1000:7.2f} ms  "
        f"ratio {prefect_limit / advisory:.1f}x"
    )


def _advance_both_ways(runtime: Runtime, now: datetime, repeat: int) -> tuple[float, float]:
    from atelier.deployments import DeploymentWorker
    from flows.deployed import trigger_lifecycle
    from flows.lifecycle import advance_atelier

    advance_atelier(slug=SLUG, now=now)  # the work done once: what follows is the path's own cost
    in_process = statistics.median(_timed(repeat, lambda: advance_atelier(slug=SLUG, now=now)))
    worker = DeploymentWorker(runtime, api_url=os.environ["PREFECT_API_URL"])
    worker.start()
    try:
        keys = iter(range(repeat + 1))

        def one_run() -> None:
            _until_final(trigger_lifecycle(SLUG, now=now, key=f"banc-{next(keys)}"))

        one_run()  # warm-up: the deployment's first run
        deployed = statistics.median(_timed(repeat, one_run))
    finally:
        worker.stop()
    return in_process, deployed


def _locks(runtime: Runtime, repeat: int) -> tuple[float, float]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.concurrency.sync import concurrency

    name = f"advance:{SLUG}"
    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))

    def advisory() -> None:
        with held_exclusively(runtime.engine, name):
            pass

    def prefect_limit() -> None:
        with concurrency(name, occupy=1, strict=True):
            pass

    return statistics.median(_timed(repeat, advisory)), statistics.median(_timed(repeat, prefect_limit))
