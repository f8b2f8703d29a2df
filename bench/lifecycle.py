"""The simulated four-month lifecycle with Prefect flows, against the same steps as plain calls."""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from atelier.bootstrap import Runtime, install
from atelier.db import transaction
from atelier.demo.run import prepare, simulate
from atelier.prefect_runtime import prefect_session
from atelier.services.ateliers import get_atelier
from flows.lifecycle import advance_without_prefect
from notifications.catcher import MailboxHandler, MailCatcher

DECISION = date(2027, 1, 11)


def _timed(
    runtime: Runtime, advance: Callable[[str, datetime], object], samples: dict[str, list[float]]
) -> Callable[[str, datetime], object]:
    def wrapped(slug: str, now: datetime) -> object:
        with transaction(runtime.engine) as session:
            stage = get_atelier(session=session, slug=slug).current_stage_key or "demande"
        start = time.perf_counter()
        result = advance(slug, now)
        samples[stage].append(time.perf_counter() - start)
        return result

    return wrapped


def _run(
    folder: Path, make_advance: Callable[[Runtime], Callable[[str, datetime], object]]
) -> tuple[float, dict[str, list[float]]]:
    catcher = MailCatcher(MailboxHandler())
    catcher.start()
    try:
        runtime, clock = prepare(folder, folder / "mailbox", DECISION, catcher.bound_port)
        samples: dict[str, list[float]] = defaultdict(list)
        start = time.perf_counter()
        simulate(runtime, clock, _timed(runtime, make_advance(runtime), samples))
        elapsed = time.perf_counter() - start
        runtime.engine.dispose()
    finally:
        catcher.stop()
    return elapsed, samples


def run_lifecycle() -> None:
    logging.getLogger("prefect").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        plain_wall, plain = _run(
            base / "plain", lambda rt: lambda slug, now: advance_without_prefect(rt, slug, now)
        )
        started = time.perf_counter()
        with prefect_session(base / "prefect-server") as _url:
            server_start = time.perf_counter() - started
            from flows.lifecycle import advance_atelier

            def with_prefect(rt: Runtime) -> Callable[[str, datetime], object]:
                install(rt)
                return lambda slug, now: advance_atelier(slug=slug, now=now)

            prefect_wall, flows = _run(base / "prefect", with_prefect)
    runs = sum(len(v) for v in flows.values())
    print("== lifecycle: a whole atelier citoyen in simulated time (decision 2027-01-11)")
    print(
        f"   plain functions (baseline): {plain_wall:6.1f} s wall, "
        f"{sum(len(v) for v in plain.values())} advances"
    )
    print(
        f"   Prefect flows:              {prefect_wall:6.1f} s wall, {runs} lifecycle runs, "
        f"ratio {prefect_wall / plain_wall:.1f}x  (+ {server_start:.1f} s local server start)"
    )
    print("   per advance, by stage where the atelier stood (median):")
    for stage in ("demande", "cadrage", "logistique", "atelier", "droit_de_suite"):
        if plain.get(stage) and flows.get(stage):
            p, f = statistics.median(plain[stage]), statistics.median(flows[stage])
            print(
                f"     {stage:15} plain {p * 1000:7.1f} ms   Prefect {f * 1000:7.1f} ms   "
                f"overhead {(f - p) * 1000:7.1f} ms ({f / p:.1f}x)"
            )
