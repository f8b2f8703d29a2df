"""The engines' event watcher: what someone recorded triggers the atelier, named so that engines
seeing the same event ask for the same run, and an event that reuses an id after a restore does not."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, delete

from atelier.db import transaction
from atelier.serve import EventWatcher
from atelier.services.ateliers import get_atelier
from models import Event
from tests.integration.helpers import World


class _Told:
    """An advancer that only writes down what it is told (the watcher's output, no advancing)."""

    def __init__(self) -> None:
        self.triggers: list[tuple[str, str | None]] = []

    def start(self) -> None: ...

    def trigger(self, slug: str, event: str | None = None) -> None:
        self.triggers.append((slug, event))

    def trigger_all(self) -> None: ...

    def trigger_seal(self, slug: str, key: str) -> None: ...

    def stop(self, timeout: float = 30.0, *, drop_waiting: bool = False) -> None: ...


def _record(world: World, at: datetime, *, event_id: int | None = None) -> int:
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        event = Event(id=event_id, atelier_id=atelier.id, at=at, actor="team", kind="step_done", detail={})
        session.add(event)
        session.flush()
        return int(event.id or 0)


def test_two_watchers_name_an_event_alike_and_a_reused_id_otherwise(world: World) -> None:
    """Two engines' watchers give the same name to one event; after a restore gives its id to a new
    event (another time), the name differs, so the new event is not taken for the old one."""
    first, second = _Told(), _Told()
    watchers = [EventWatcher(world.runtime, first), EventWatcher(world.runtime, second)]
    event_id = _record(world, world.clock.now())
    for watcher in watchers:
        assert watcher.check() == [world.slug]
    assert first.triggers == second.triggers and len(first.triggers) == 1
    with transaction(world.runtime.engine) as session:  # the database restored from before the event
        session.exec(delete(Event).where(col(Event.id) == event_id))
    for watcher in watchers:
        watcher.last_seen = event_id - 1
    _record(world, world.clock.now() + timedelta(hours=1), event_id=event_id)
    watchers[0].check()
    (_slug, old), (_same, new) = first.triggers
    assert old is not None and new is not None and old != new
    assert old.startswith(f"{event_id}@") and new.startswith(f"{event_id}@")
