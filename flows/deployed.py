"""The lifecycle and the daily check as Prefect deployments, served by `atelier engine` when
``ATELIER_ENGINE_RUNS=deployments`` (PostgreSQL and a shared Prefect server).

- ``cycle-de-vie/ateliers``: one atelier advanced, in its turn (``atelier/turns.py``), triggered
  by what happens (``trigger_lifecycle``: ``run_deployment(timeout=0)`` with an idempotency key, so
  that two engines seeing the same event start one run);
- ``controle-quotidien/ateliers``: every day at 07:00 Paris, a Prefect schedule, one lifecycle run
  per atelier in progress;
- ``scellement-du-tirage/ateliers``: one atelier's lottery sealed, as asked for from the page or
  the command line (``flows/sealing.py``; ``atelier/sealer.py`` asks for the runs).

Each run executes in a process of its own that Prefect's runner starts; it builds its runtime from
the environment the engine handed down. Tagged ``atelier:<slug>``: the Prefect UI filters one
atelier's runs.

No ``from __future__ import annotations`` in ``flows/``: a deployment's run gets its flows by value
(cloudpickle), without their module's globals, and Prefect then validates each flow's parameters
against annotations that must be objects, not names to look up.
"""

from collections.abc import Coroutine
from datetime import datetime
from typing import Any
from uuid import UUID

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.runtime import flow_run

from atelier.bootstrap import current_or_from_environment
from atelier.turns import advance_in_turn, open_atelier_slugs
from flows.lifecycle import advance_atelier

DEPLOYMENT = "ateliers"
LIFECYCLE_DEPLOYMENT = f"cycle-de-vie/{DEPLOYMENT}"
DAILY_CHECK_DEPLOYMENT = f"controle-quotidien/{DEPLOYMENT}"
SEAL_DEPLOYMENT = f"scellement-du-tirage/{DEPLOYMENT}"
DAILY_CHECK_CRON = "0 7 * * *"  # Europe/Paris, as the in-process engine's cron job


@flow(name="cycle-de-vie", flow_run_name="{slug} · cycle de vie", log_prints=True)
def lifecycle_run(
    slug: str, now: datetime | None = None, unless_advanced_since: datetime | None = None
) -> bool:
    """One atelier advanced as a deployment's run; False when passed over (another run at it, or a
    check that finds it advanced since). Same flow name as the in-process runs: one list in the UI."""
    runtime = current_or_from_environment()
    return advance_in_turn(
        runtime,
        slug,
        lambda s, n: advance_atelier.fn(slug=s, now=n),
        now=now,
        unless_advanced_since=unless_advanced_since,
    )


@task(name="ateliers en cours", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[1, 2, 5])
def ateliers_in_progress() -> list[str]:
    return open_atelier_slugs(current_or_from_environment())


@flow(name="controle-quotidien", flow_run_name="contrôle quotidien", log_prints=True)
def daily_check(now: datetime | None = None) -> int:
    """Every atelier in progress advanced once (timeline, warnings, reminders); those another run
    advanced since the check began are passed over. Returns how many runs it asked for."""
    now = now or current_or_from_environment().clock.now()
    check = flow_run.get_id() or now.isoformat()
    slugs = ateliers_in_progress()
    for slug in slugs:
        trigger_lifecycle(slug, now=now, unless_advanced_since=now, key=f"{slug}|controle|{check}")
    return len(slugs)


def trigger_lifecycle(
    slug: str, *, now: datetime, key: str | None, unless_advanced_since: datetime | None = None
) -> UUID:
    """Ask for one lifecycle run of ``slug``, without waiting for it; the same key, the same run."""
    parameters: dict[str, object] = {"slug": slug, "now": now}
    if unless_advanced_since is not None:
        parameters["unless_advanced_since"] = unless_advanced_since
    run = run_deployment(
        LIFECYCLE_DEPLOYMENT,
        parameters=parameters,
        timeout=0,
        idempotency_key=key,
        tags=[f"atelier:{slug}"],
    )
    return _synchronous(run).id


def trigger_daily_check(*, now: datetime, key: str) -> UUID:
    """Ask for a daily check now (an engine's catch-up at start), without waiting for it."""
    run = run_deployment(DAILY_CHECK_DEPLOYMENT, parameters={"now": now}, timeout=0, idempotency_key=key)
    return _synchronous(run).id


def trigger_seal(slug: str, *, key: str) -> UUID:
    """Ask for the run that seals ``slug``'s lottery (``flows/sealing.py``), without waiting for it."""
    run = run_deployment(
        SEAL_DEPLOYMENT, parameters={"slug": slug}, timeout=0, idempotency_key=key, tags=[f"atelier:{slug}"]
    )
    return _synchronous(run).id


def _synchronous(run: FlowRun | Coroutine[Any, Any, FlowRun]) -> FlowRun:
    """``run_deployment`` called outside an event loop (as here) gives the run itself."""
    if isinstance(run, FlowRun):
        return run
    raise TypeError("run_deployment was called from async code: await it there")
