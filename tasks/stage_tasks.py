"""The tasks the stage flows are made of. Retries live on the decorators.

Caching is off on purpose: idempotency comes from the database (compare-and-set on
statuses, unique keys on messages), not from Prefect's cache.
"""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from atelier import engine
from atelier.bootstrap import current
from atelier.engine import GateState, StageState, TimelineCheck
from notifications.outbox import SyncReport


@task(
    name="lire les étapes",
    task_run_name="{slug} · étapes",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def read_stages(slug: str) -> list[StageState]:
    return engine.stage_states(current(), slug)


@task(
    name="étape à traiter ?",
    task_run_name="{slug} · {stage_key} à traiter ?",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def stage_has_work(slug: str, stage_key: str) -> bool:
    return engine.stage_has_work(current(), slug, stage_key)


@task(
    name="ouvrir l'étape",
    task_run_name="{slug} · ouvrir {stage_key}",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def open_stage(slug: str, stage_key: str, now: datetime) -> bool:
    return engine.open_stage(current(), slug, stage_key, now)


@task(
    name="décisions de l'étape",
    task_run_name="{slug} · décisions de {stage_key}",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def stage_gates(slug: str, stage_key: str) -> list[str]:
    return engine.stage_gate_keys(current(), slug, stage_key)


@task(
    name="soumettre une décision",
    task_run_name="{slug} · décision {gate_key}",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def ask_gate(slug: str, gate_key: str, now: datetime) -> GateState:
    return engine.ask_gate(current(), slug, gate_key, now)


@task(
    name="franchir les jalons",
    task_run_name="{slug} · jalons {stage_key}",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def complete_milestones(slug: str, stage_key: str, now: datetime) -> list[str]:
    return engine.complete_milestones(current(), slug, stage_key, now)


@task(
    name="étape terminée ?",
    task_run_name="{slug} · {stage_key} terminée ?",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def stage_is_done(slug: str, stage_key: str) -> bool:
    return engine.stage_is_done(current(), slug, stage_key)


@task(
    name="mettre à jour le calendrier",
    task_run_name="{slug} · calendrier",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def refresh_timeline(slug: str, now: datetime) -> TimelineCheck:
    return engine.refresh_timeline(current(), slug, now)


@task(
    name="programmer les messages",
    task_run_name="{slug} · messages",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def queue_messages(slug: str, now: datetime) -> SyncReport:
    return engine.sync_messages(current(), slug, now)


@task(
    name="clore l'atelier si terminé",
    task_run_name="{slug} · fin ?",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def finish_if_complete(slug: str, now: datetime) -> bool:
    return engine.finish_if_complete(current(), slug, now)


@task(
    name="décisions en attente",
    task_run_name="{slug} · décisions en attente",
    retries=3,
    retry_delay_seconds=[1, 2, 5],
    cache_policy=NO_CACHE,
)
def waiting_gates(slug: str) -> list[str]:
    return engine.waiting_gate_keys(current(), slug)
