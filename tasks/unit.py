"""The one decorator every unit of work wears.

Retries absorb a busy database; caching is off on purpose: idempotency comes from the database
(compare-and-set on statuses, unique keys on messages), not from Prefect's cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE

P = ParamSpec("P")
R = TypeVar("R")


def unit(name: str, run_name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A unit of work as a Prefect task named ``name``, its runs « <run_name> »."""

    return task(
        name=name, task_run_name=run_name, retries=3, retry_delay_seconds=[1, 2, 5], cache_policy=NO_CACHE
    )
