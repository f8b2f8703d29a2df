"""`atelier serve`: the web page for links, the ticker, and the engine worker, in one process.

- APScheduler is the clockwork: an interval job wakes the dispatcher every second (in-memory
  job store, coalesce, no misfire drop), a cron job runs the daily timeline check at 07:00
  Paris. Reminders are never APScheduler jobs: they are outbox rows (see RESEARCH.md).
- The engine worker runs lifecycle flows one at a time (serialised), when a decision or an
  answer is recorded, at the daily check, and once at start-up for every atelier, so that
  what was recorded while the engine was down takes effect when it comes back.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlmodel import col, func, select

from atelier.bootstrap import Runtime
from atelier.db import held_exclusively, transaction
from atelier.prefect_runtime import prefect_settings
from atelier.web.app import create_app
from models import Atelier, Event
from notifications.dispatcher import Dispatcher
from notifications.transport import SmtpTransport

log = logging.getLogger("atelier.serve")

Advance = Callable[[str, datetime], object]


class EngineWorker:
    """A thread that advances ateliers one at a time; a slug already waiting is not queued twice."""

    def __init__(self, runtime: Runtime, advance: Advance, *, api_url: str | None = None) -> None:
        self.runtime = runtime
        self.advance = advance
        self.api_url = api_url
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="atelier-engine", daemon=True)
        self.runs = 0

    def start(self) -> None:
        self._thread.start()

    def trigger(self, slug: str) -> None:
        with self._lock:
            if slug in self._waiting:
                return
            self._waiting.add(slug)
        self._queue.put(slug)

    def trigger_all(self) -> None:
        with transaction(self.runtime.engine) as session:
            slugs = list(session.exec(select(Atelier.slug).where(Atelier.completed_at == None)).all())  # noqa: E711
        for slug in slugs:
            self.trigger(slug)

    def stop(self, timeout: float = 30.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def idle(self) -> bool:
        with self._lock:
            return not self._waiting and self._queue.empty()

    def _run(self) -> None:
        if self.api_url:
            with prefect_settings(self.api_url):
                self._loop()
        else:
            self._loop()

    def _loop(self) -> None:
        while (slug := self._queue.get()) is not None:
            with self._lock:
                self._waiting.discard(slug)
            try:
                # On PostgreSQL several engines may run: one atelier is advanced by one at a time.
                with (
                    held_exclusively(self.runtime.engine, f"advance:{slug}"),
                    self.runtime.metrics.advance_seconds.time(),
                ):
                    self.advance(slug, self.runtime.clock.now())
                self.runs += 1
            except Exception:
                # The run is retried at the next trigger or daily check; nothing is lost
                # because the database, not the run, holds the state.
                log.exception("advancing %s failed", slug)


# Events after which an atelier may advance: recorded by the web page, the CLI, or the demo.
TRIGGERING_EVENTS = ("gate_decision", "step_done", "invitation_answer", "person_added", "event_cancelled")


class EventWatcher:
    """Triggers the engine for ateliers with new triggering events (e.g. recorded from the CLI)."""

    def __init__(self, runtime: Runtime, worker: EngineWorker) -> None:
        self.runtime = runtime
        self.worker = worker
        self.last_seen = self._max_id()

    def _max_id(self) -> int:
        with transaction(self.runtime.engine) as session:
            return int(session.exec(select(func.max(Event.id))).one() or 0)

    def check(self) -> list[str]:
        with transaction(self.runtime.engine) as session:
            rows = session.exec(
                select(Event.id, Atelier.slug)
                .join(Atelier, col(Atelier.id) == col(Event.atelier_id))
                .where(col(Event.id) > self.last_seen, col(Event.kind).in_(TRIGGERING_EVENTS))
            ).all()
        slugs = sorted({slug for _id, slug in rows})
        if rows:
            self.last_seen = max(event_id for event_id, _slug in rows if event_id is not None)
        for slug in slugs:
            self.worker.trigger(slug)
        return slugs


def build_app(runtime: Runtime, worker: EngineWorker, *, daily_hour: int = 7) -> FastAPI:
    """The web app with the ticker and the engine worker tied to its lifespan."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    dispatcher = Dispatcher(
        engine=runtime.engine,
        transport=SmtpTransport(runtime.settings),
        clock=runtime.clock,
        settings=runtime.settings,
    )
    dispatch_lock = asyncio.Lock()
    watcher = EventWatcher(runtime, worker)

    async def dispatch_tick() -> None:
        if dispatch_lock.locked():
            return
        async with dispatch_lock:
            await dispatcher.drain()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        scheduler = AsyncIOScheduler(timezone="Europe/Paris")
        job_defaults: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        scheduler.add_job(
            dispatch_tick,
            "interval",
            seconds=runtime.settings.dispatch_interval_seconds,
            id="dispatcher",
            **job_defaults,
        )
        scheduler.add_job(worker.trigger_all, "cron", hour=daily_hour, id="daily-check", **job_defaults)
        scheduler.add_job(watcher.check, "interval", seconds=5, id="event-watcher", **job_defaults)
        scheduler.start()
        worker.start()
        worker.trigger_all()  # catch up with what happened while the engine was down
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            worker.stop()
            await dispatcher.transport.close()

    app = create_app(runtime, on_change=worker.trigger)
    app.router.lifespan_context = lifespan
    return app
