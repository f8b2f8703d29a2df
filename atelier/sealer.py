"""How engines start the seals asked for: every few seconds the watcher looks for seals no live run
holds (``awaiting_run``) and asks for one run each: a thread of the engine's own (``SealThread``,
the in-process engine) or a deployment's run (``DeploymentWorker.trigger_seal``), never both for
one attempt (the attempt's key; the claim decides between runs that start anyway).

A seal takes minutes on a large pool: it has a thread of its own, so that the lifecycle of the
other ateliers is not held behind it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.prefect_runtime import prefect_settings_if
from atelier.services.sealing import awaiting_run, carry_out_seal, new_run

log = logging.getLogger("atelier.sealer")


class Sealer(Protocol):
    def trigger_seal(self, slug: str, key: str) -> None:
        """One run for this attempt at sealing ``slug``; the same key, the same run."""


class SealThread:
    """Runs the seals one at a time, in a thread of its own; an attempt already seen is not run twice."""

    def __init__(self, seal: Callable[[str], object], *, api_url: str | None = None) -> None:
        self.seal = seal
        self.api_url = api_url
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="atelier-seal", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def trigger_seal(self, slug: str, key: str) -> None:
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
        self._queue.put(slug)

    def stop(self, timeout: float) -> None:
        """A seal under way goes on to its end within ``timeout``; past it, its claim lapses and
        another engine takes it up again."""
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        with prefect_settings_if(self.api_url):
            self._loop()

    def _loop(self) -> None:
        while (slug := self._queue.get()) is not None:
            try:
                self.seal(slug)
            except Exception:
                # The page says the seal failed (``carry_out_seal`` recorded it); the team asks again.
                log.exception("sealing %s failed", slug)


class SealInCaller:
    """Carries each seal out at once in the caller's thread, without Prefect: the counterpart of
    ``advance_without_prefect`` for a world that plays the engine itself (tests, simulations)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def trigger_seal(self, slug: str, key: str) -> None:
        carry_out_seal(self.runtime.engine, self.runtime.clock, slug, run=new_run())


class SealWatcher:
    """Asks for a run for each seal that waits for one."""

    def __init__(self, runtime: Runtime, sealer: Sealer) -> None:
        self.runtime = runtime
        self.sealer = sealer

    def check(self) -> list[str]:
        with transaction(self.runtime.engine) as session:
            waiting = awaiting_run(session=session, now=self.runtime.clock.now())
        for slug, key in waiting:
            self.sealer.trigger_seal(slug, key)
        return [slug for slug, _key in waiting]
