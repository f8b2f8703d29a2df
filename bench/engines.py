"""The daily check of many ateliers on PostgreSQL: one engine (the baseline, measured in the same
run) against three engine processes sharing the work.

A throwaway PostgreSQL cluster (tests/postgres.py); one template database with the ateliers, each
with the demo's fictional people; each run gets an identical copy (CREATE DATABASE … TEMPLATE), so
that both face the same work: the first check a month after the decision (messages to queue).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import psycopg

from atelier.bootstrap import bootstrap
from atelier.clock import PARIS
from atelier.config import Settings
from atelier.db import transaction
from atelier.demo.cast import demo_people
from atelier.demo.run import demo_atelier
from atelier.services.ateliers import create_atelier
from atelier.services.people import add_people
from tests.postgres import Cluster, start_cluster

DECISION = date(2027, 1, 11)


def _fill(url: str, count: int) -> None:
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="bench-fill-")), database_url=url, secret_key="b"
    )
    runtime = bootstrap(settings)
    now = datetime.combine(DECISION, clock_time(9, 0), tzinfo=PARIS)
    for index in range(count):
        atelier_in = demo_atelier(DECISION).model_copy(update={"slug": f"atelier-{index:03d}"})
        with transaction(runtime.engine) as session:
            atelier, _ = create_atelier(session=session, atelier_in=atelier_in, now=now)
            add_people(session=session, atelier=atelier, people=demo_people(), now=now)
    runtime.engine.dispose()


def _copy(cluster: Cluster, template: str, name: str) -> str:
    with psycopg.connect(cluster.admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')  # our own names
    return f"postgresql+psycopg://atelier@127.0.0.1:{cluster.port}/{name}"


def _check(url: str, engines: int, now: datetime) -> tuple[float, list[dict[str, float]]]:
    """Wall seconds for the daily check by ``engines`` processes started together."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.engine_process", url, now.isoformat()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(engines)
    ]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = [json.loads(process.communicate(timeout=3600)[0]) for process in processes]
    return time.perf_counter() - start, results


def run_engines(count: int = 200) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    cluster = start_cluster(folder)
    try:
        filled = time.perf_counter()
        template = cluster.new_database()
        _fill(template, count)
        name = template.rsplit("/", 1)[1]
        fill_seconds = time.perf_counter() - filled
        now = datetime.combine(DECISION + timedelta(days=30), clock_time(7, 0), tzinfo=PARIS)
        one, one_results = _check(_copy(cluster, name, "une"), 1, now)
        three, three_results = _check(_copy(cluster, name, "trois"), 3, now)
    finally:
        cluster.stop()
    runs = [int(r["runs"]) for r in three_results]
    print(f"== engines: the daily check of {count} ateliers on PostgreSQL ({fill_seconds:.0f} s to prepare)")
    print(f"   1 engine (baseline): {one:6.1f} s  ({int(one_results[0]['runs'])} advanced)")
    print(
        f"   3 engines:           {three:6.1f} s  ratio {one / three:.2f}x faster  "
        f"(advanced {sum(runs)} in all: {' + '.join(map(str, runs))}; passed over "
        f"{sum(int(r['passed_over']) for r in three_results)}; 2 cores here)"
    )
