"""The processes: `atelier serve` runs the web app, the engine and the dispatcher in one process;
`atelier web`, `atelier engine` and `atelier dispatch` run one part each (several of each on
PostgreSQL).

- The dispatcher wakes every second (``dispatch_interval_seconds``). Reminders are never
  scheduler jobs: they are outbox rows (see RESEARCH.md).
- APScheduler is the engine's clockwork: a cron job runs the daily timeline check at 07:00 Paris
  (coalesced, no misfire drop), an interval job watches the event log for what others recorded.
- The engine worker runs lifecycle flows one at a time (serialised), when a decision or an
  answer is recorded, at the daily check, and once at start-up for every atelier, so that
  what was recorded while the engine was down takes effect when it comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import random
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

import uvicorn
from fastapi import FastAPI
from sqlmodel import col, func, select

from atelier.bootstrap import Runtime
from atelier.clock import ensure_utc
from atelier.config import Settings
from atelier.db import transaction
from atelier.prefect_runtime import prefect_settings_if
from atelier.sealer import SealThread, SealWatcher
from atelier.services.health import Heartbeat
from atelier.turns import Advance, advance_in_turn, open_atelier_slugs
from atelier.web.app import create_app
from models import Atelier, Event
from notifications.dispatcher import Dispatcher
from notifications.transport import SmtpTransport

log = logging.getLogger("atelier.serve")


class EngineWorker:
    """A thread that advances ateliers one at a time; a slug already waiting is not queued twice.

    A change (``trigger``) is always advanced. The daily check and the catch-up at start
    (``trigger_all``) are shared between engines: an atelier another engine is advancing, or
    advanced since the check began, is passed over, and each engine goes through the ateliers in
    its own random order, so that three engines do a third of the work each.
    """

    def __init__(
        self,
        runtime: Runtime,
        advance: Advance,
        *,
        api_url: str | None = None,
        seal: Callable[[str], object] | None = None,
    ) -> None:
        self.runtime = runtime
        self.advance = advance
        self.api_url = api_url
        # The seals asked for, in a thread of their own (minutes each); None: not this engine's.
        self.sealing = SealThread(seal, api_url=api_url) if seal is not None else None
        self._queue: queue.Queue[str | None] = queue.Queue()
        # slug -> None (a change: advance), or the check's start (skip if advanced since)
        self._waiting: dict[str, datetime | None] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="atelier-engine", daemon=True)
        self.runs = 0
        self.passed_over = 0

    def start(self) -> None:
        self._thread.start()
        if self.sealing is not None:
            self.sealing.start()

    def trigger(self, slug: str, event: str | None = None) -> None:
        """Advance ``slug`` (after a change; which event told is not needed here)."""
        self._enqueue(slug, None)

    def trigger_seal(self, slug: str, key: str) -> None:
        if self.sealing is not None:
            self.sealing.trigger_seal(slug, key)

    def trigger_all(self) -> None:
        since = self.runtime.clock.now()
        slugs = open_atelier_slugs(self.runtime)
        random.shuffle(slugs)  # not a secret: engines merely start at different places
        for slug in slugs:
            self._enqueue(slug, since)

    def _enqueue(self, slug: str, unless_advanced_since: datetime | None) -> None:
        with self._lock:
            if slug in self._waiting:
                if unless_advanced_since is None:
                    self._waiting[slug] = None  # a change while the check waits: advance for sure
                return
            self._waiting[slug] = unless_advanced_since
        self._queue.put(slug)

    def stop(self, timeout: float = 30.0, *, drop_waiting: bool = False) -> None:
        """End after what is queued, or with ``drop_waiting`` after the advance under way only (a
        SIGTERM: what was waiting is caught up at the next start)."""
        if drop_waiting:
            with self._lock:
                self._waiting.clear()
                while not self._queue.empty():
                    self._queue.get_nowait()
        self._queue.put(None)
        self._thread.join(timeout)
        if self.sealing is not None:
            self.sealing.stop(timeout)

    def waiting(self) -> int:
        """Ateliers queued and not begun."""
        with self._lock:
            return len(self._waiting)

    def idle(self) -> bool:
        with self._lock:
            return not self._waiting and self._queue.empty()

    def _run(self) -> None:
        with prefect_settings_if(self.api_url):
            self._loop()

    def _loop(self) -> None:
        while (slug := self._queue.get()) is not None:
            with self._lock:
                since = self._waiting.pop(slug, None)
            try:
                self._advance(slug, since)
            except Exception:
                # The run is retried at the next trigger or daily check; nothing is lost
                # because the database, not the run, holds the state.
                log.exception("advancing %s failed", slug)

    def _advance(self, slug: str, since: datetime | None) -> None:
        if advance_in_turn(self.runtime, slug, self.advance, unless_advanced_since=since):
            self.runs += 1
        else:
            self.passed_over += 1


class Advancer(Protocol):
    """What advances ateliers for an engine: its own worker thread (``EngineWorker``) or Prefect
    deployments served by a runner (``atelier.deployments.DeploymentWorker``)."""

    def start(self) -> None: ...

    def trigger(self, slug: str, event: str | None = None) -> None:
        """Advance ``slug``; ``event`` names what told, the same for every engine that saw it."""

    def trigger_all(self) -> None: ...

    def trigger_seal(self, slug: str, key: str) -> None:
        """Seal ``slug``'s lottery, as asked for (``atelier.sealer``)."""

    def stop(self, timeout: float = 30.0, *, drop_waiting: bool = False) -> None: ...


class EventWatcher:
    """Triggers the engine for ateliers where someone recorded something (the web app of another
    process, the CLI): any event not written by the engine itself."""

    def __init__(self, runtime: Runtime, worker: Advancer) -> None:
        self.runtime = runtime
        self.worker = worker
        self.last_seen = self._max_id()

    def _max_id(self) -> int:
        with transaction(self.runtime.engine) as session:
            return int(session.exec(select(func.max(Event.id))).one() or 0)

    def check(self) -> list[str]:
        with transaction(self.runtime.engine) as session:
            rows = session.exec(
                select(Event.id, Event.actor, Event.at, Atelier.slug)
                .join(Atelier, col(Atelier.id) == col(Event.atelier_id))
                .where(col(Event.id) > self.last_seen)
            ).all()
        if rows:
            self.last_seen = max(event_id for event_id, _actor, _at, _slug in rows if event_id is not None)
        latest: dict[str, tuple[int, datetime]] = {}
        for event_id, actor, at, slug in rows:
            if actor != "engine" and event_id is not None and event_id > latest.get(slug, (0, at))[0]:
                latest[slug] = (event_id, at)
        for slug, (event_id, at) in sorted(latest.items()):
            # Its time too: after a restore, ids are given again, to other events.
            self.worker.trigger(slug, f"{event_id}@{ensure_utc(at):%Y-%m-%dT%H:%M:%S.%f}")
        return sorted(latest)


class EngineRole:
    """`atelier engine`: the daily check (07:00 Paris), the watcher of what others recorded, and the
    worker that advances ateliers; on start, every atelier once, to catch up with the time it was down.

    With ``daily_hour=None`` the daily check is not ours to run: it is a Prefect schedule (the
    deployments' path)."""

    def __init__(
        self, runtime: Runtime, worker: Advancer, *, daily_hour: int | None = 7, watch_seconds: float = 2.0
    ) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        self.worker = worker
        self.watcher = EventWatcher(runtime, worker)
        self.scheduler = AsyncIOScheduler(timezone="Europe/Paris")
        job_defaults: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        if daily_hour is not None:
            self.scheduler.add_job(
                worker.trigger_all, "cron", hour=daily_hour, id="daily-check", **job_defaults
            )
        self.scheduler.add_job(
            self.watcher.check, "interval", seconds=watch_seconds, id="event-watcher", **job_defaults
        )
        self.seals = SealWatcher(runtime, worker)
        self.scheduler.add_job(
            self.seals.check, "interval", seconds=watch_seconds, id="seal-watcher", **job_defaults
        )
        self.heartbeat = Heartbeat(runtime.engine, "engine")
        self.scheduler.add_job(
            self.heartbeat.beat,
            "interval",
            seconds=runtime.settings.heartbeat_seconds,
            id="heartbeat",
            **job_defaults,
        )

    def start(self) -> None:
        """Within a running event loop (APScheduler's asyncio scheduler)."""
        self.heartbeat.beat()
        self.scheduler.start()
        self.worker.start()
        # Once, now, off the event loop (Prefect's calls must not run in it): the catch-up. Never
        # dropped as late, however long the rest of the start keeps the loop busy.
        self.scheduler.add_job(self.worker.trigger_all, id="catch-up", misfire_grace_time=None)

    def stop(self) -> None:
        """The advance under way finishes (the worker is joined), nothing new begins."""
        self.scheduler.shutdown(wait=False)
        self.worker.stop(drop_waiting=True)


class DispatchRole:
    """`atelier dispatch`: sends what is due, every ``dispatch_interval_seconds``, until stopped."""

    def __init__(self, runtime: Runtime) -> None:
        self.interval = runtime.settings.dispatch_interval_seconds
        self.dispatcher = Dispatcher(
            engine=runtime.engine,
            transport=SmtpTransport(runtime.settings),
            clock=runtime.clock,
            settings=runtime.settings,
            lease=timedelta(seconds=runtime.settings.dispatch_lease_seconds),
        )
        self._stopped = asyncio.Event()
        self.heartbeat = Heartbeat(runtime.engine, "dispatch")
        self.heartbeat_seconds = runtime.settings.heartbeat_seconds

    async def _beating(self) -> None:
        # Its own task: a long drain (a mailing under a rate limit) must not look like a dead process.
        while not self._stopped.is_set():
            await asyncio.to_thread(self.heartbeat.beat)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self.heartbeat_seconds)

    async def run(self) -> None:
        beating = asyncio.create_task(self._beating())
        try:
            while not self.dispatcher.stopping:
                try:
                    await self.dispatcher.drain()
                except Exception:
                    # The database may be away for a moment: what was claimed comes back after
                    # its lease; the next round tries again.
                    log.exception("dispatch round failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), self.interval)
        finally:
            self._stopped.set()
            await beating
            await self.dispatcher.transport.close()

    def stop(self) -> None:
        """Finish the messages in flight, hand back the rest of the batch, then return from run()."""
        self.dispatcher.stop()
        self._stopped.set()


@asynccontextmanager
async def running(*, engine: EngineRole | None, dispatch: DispatchRole | None) -> AsyncIterator[None]:
    """The roles given, started, then stopped cleanly on the way out: the dispatcher's messages in
    flight finish, the engine's advance under way finishes."""
    sending = asyncio.create_task(dispatch.run()) if dispatch is not None else None
    if engine is not None:
        engine.start()
    try:
        yield
    finally:
        if dispatch is not None and sending is not None:
            dispatch.stop()
            await sending
        if engine is not None:
            await asyncio.to_thread(engine.stop)


async def run_until_signalled(
    *, engine: EngineRole | None = None, dispatch: DispatchRole | None = None
) -> None:
    """Run the given roles until SIGTERM or SIGINT (systemd stops with SIGTERM)."""
    loop = asyncio.get_running_loop()
    signalled = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, signalled.set)
    async with running(engine=engine, dispatch=dispatch):
        await signalled.wait()
        log.info("stopping on signal")


def server_config(app: FastAPI, settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    """How uvicorn serves the app: forwarded addresses believed only from the trusted proxies; no
    access log (the paths carry the signed tokens of the e-mails' links)."""
    trusted = settings.trusted_proxies.strip()
    return uvicorn.Config(
        app, host=host, port=port, log_level=None, log_config=None, access_log=False,
        proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None,
    )  # fmt: skip


def build_app(runtime: Runtime, worker: EngineWorker | None, *, daily_hour: int = 7) -> FastAPI:
    """The web app; for `atelier serve` (a worker given) with the engine and the dispatcher in its
    lifespan, for `atelier web` (none) alone: the engines see its changes through the event log."""
    engine = EngineRole(runtime, worker, daily_hour=daily_hour) if worker is not None else None
    dispatch = DispatchRole(runtime) if worker is not None else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with running(engine=engine, dispatch=dispatch):
            yield

    app = create_app(runtime, on_change=worker.trigger if worker is not None else None)
    app.router.lifespan_context = lifespan
    return app
