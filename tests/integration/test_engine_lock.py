"""Several engines at once: on PostgreSQL one atelier is advanced by one of them at a time (a
session advisory lock per atelier, ``atelier.db.held_exclusively``), and the daily check is shared."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from atelier.db import held_exclusively, transaction
from atelier.serve import EngineWorker
from flows.lifecycle import advance_without_prefect
from models import OutboxMessage
from tests.integration.helpers import DECISION, World


def _recording_advance(world: World) -> tuple[list[str], Callable[[str, datetime], None]]:
    """The in-process advance, and the list of the ateliers it advanced, in order."""
    advanced: list[str] = []

    def advance(slug: str, now: datetime) -> None:
        advance_without_prefect(world.runtime, slug, now)
        advanced.append(slug)

    return advanced, advance


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
    advanced, advance = _recording_advance(world)
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


def _more_ateliers(world: World, count: int) -> list[str]:
    """``count`` further ateliers beside the demo's, with the same (fictional) people."""
    from atelier.db import transaction
    from atelier.demo.cast import demo_people
    from atelier.demo.run import demo_atelier
    from atelier.services.ateliers import create_atelier
    from atelier.services.people import add_people

    slugs = []
    for index in range(count):
        atelier_in = demo_atelier(DECISION).model_copy(update={"slug": f"atelier-{index}"})
        with transaction(world.runtime.engine) as session:
            atelier, _ = create_atelier(session=session, atelier_in=atelier_in, now=world.clock.now())
            add_people(session=session, atelier=atelier, people=demo_people(), now=world.clock.now())
            slugs.append(atelier.slug)
    return [world.slug, *slugs]


def _until_idle(worker: EngineWorker) -> None:
    for _ in range(10_000):  # polls a real thread, bounded; no simulated time involved
        if worker.idle():
            break
        time.sleep(0.01)
    worker.stop()


def test_the_daily_check_is_shared_not_repeated_by_a_second_engine(world: World) -> None:
    """Two engines' daily checks: each atelier advanced once, each with its own team alert; the
    second engine passes over what the first advanced after the check began (SQLite and PostgreSQL)."""
    slugs = _more_ateliers(world, 4)
    world.clock.advance(timedelta(days=30))  # the five ateliers are at risk alike: one alert each
    advanced, advance = _recording_advance(world)
    first, second = EngineWorker(world.runtime, advance), EngineWorker(world.runtime, advance)
    first.trigger_all()
    second.trigger_all()
    first.start()
    _until_idle(first)
    second.start()
    _until_idle(second)
    assert sorted(advanced) == sorted(slugs)
    assert (first.runs, second.runs, second.passed_over) == (5, 0, 5)
    with transaction(world.runtime.engine) as session:
        alerted = session.exec(
            select(OutboxMessage.atelier_id).where(OutboxMessage.kind == "team_risk_alert").distinct()
        ).all()
    assert len(alerted) == 5


def test_a_change_during_the_check_is_advanced_even_if_the_check_was_done(world: World) -> None:
    """A decision recorded after another engine's pass is advanced all the same: changes are never skipped."""
    advanced, advance = _recording_advance(world)
    first, second = EngineWorker(world.runtime, advance), EngineWorker(world.runtime, advance)
    second.trigger_all()
    second.trigger(world.slug)  # a decision arrives while the check waits
    first.trigger_all()
    first.start()
    _until_idle(first)
    second.start()
    _until_idle(second)
    assert advanced == [world.slug, world.slug]


def test_a_stopped_engine_finishes_the_advance_under_way_and_leaves_the_rest(world: World) -> None:
    """SIGTERM's stop: the advance under way ends, the ateliers still waiting are not begun (the
    next start catches them up)."""
    import threading

    slugs = _more_ateliers(world, 2)
    begun, release, advanced = threading.Event(), threading.Event(), []

    def advance(slug: str, now: datetime) -> None:
        begun.set()
        release.wait(timeout=60)
        advanced.append(slug)

    worker = EngineWorker(world.runtime, advance)
    for slug in slugs:
        worker.trigger(slug)
    worker.start()
    assert begun.wait(timeout=60)
    stopper = threading.Thread(target=lambda: worker.stop(drop_waiting=True))
    stopper.start()
    for _ in range(3_000):  # until the stop has dropped the waiting ones: bounded polling
        if worker.waiting() == 0:
            break
        time.sleep(0.01)
    release.set()
    stopper.join(timeout=60)
    assert advanced == [slugs[0]]
