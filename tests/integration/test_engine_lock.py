"""On PostgreSQL several engines may run at once: one atelier is advanced by one of them at a time
(a session advisory lock per atelier, ``atelier.db.held_exclusively``). Runs in the PostgreSQL pass."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from atelier.db import held_exclusively
from atelier.engine import advance_plain
from atelier.serve import EngineWorker
from tests.integration.conftest import World


def _waiting_for_a_lock(world: World) -> int:
    with world.runtime.engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).scalar_one()
        )


def test_an_engine_waits_while_another_advances_the_same_atelier(
    world: World, database_url: str | None
) -> None:
    """While another engine holds the atelier, this engine's advance waits for the lock (seen in
    pg_locks) and has not begun; once released, it advances the atelier, once."""
    if database_url is None:
        pytest.skip("PostgreSQL's advisory locks (one engine per data folder on SQLite)")
    advanced: list[str] = []

    def advance(slug: str, now: datetime) -> None:
        advance_plain(world.runtime, slug, now)
        advanced.append(slug)

    worker = EngineWorker(world.runtime, advance)
    with held_exclusively(world.runtime.engine, f"advance:{world.slug}"):
        worker.start()
        worker.trigger(world.slug)
        for _ in range(2000):  # until the worker is seen waiting: bounded, not a timed sleep
            if _waiting_for_a_lock(world):
                break
        assert _waiting_for_a_lock(world) == 1 and advanced == []
    worker.stop()
    assert advanced == [world.slug] and _waiting_for_a_lock(world) == 0
