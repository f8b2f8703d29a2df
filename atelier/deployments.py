"""The engine on the deployments' path: a Prefect runner, in a thread of its own, serves the
lifecycle, the daily check and the seals (``flows/deployed.py``); what the engine hears of (an
event, its start, a seal asked for) becomes runs of those deployments, which any engine's runner
may pick up.

Several engines serve the same three deployments (registering them is an upsert). Their schedules are
not paused when one engine stops (``pause_on_shutdown=False``: Prefect's default would pause the
daily check for all). A SIGTERM stops looking for runs and waits for those under way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from atelier.bootstrap import Runtime
from atelier.clock import PARIS, paris
from atelier.prefect_runtime import prefect_settings

log = logging.getLogger("atelier.deployments")


class DeploymentWorker:
    """The ``Advancer`` of ``atelier.serve.EngineRole`` when runs are Prefect deployments'."""

    def __init__(self, runtime: Runtime, *, api_url: str) -> None:
        from prefect.runner import Runner

        self.runtime = runtime
        self.api_url = api_url
        self.runner = Runner(
            name=f"atelier-engine-{os.getpid()}",
            query_seconds=runtime.settings.engine_poll_seconds,
            pause_on_shutdown=False,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._failed: Exception | None = None
        self._thread = threading.Thread(target=self._serve, name="atelier-runner", daemon=True)

    def start(self) -> None:
        """Register the three deployments and serve them, in the runner's thread; raises if the Prefect
        server refused them."""
        self._thread.start()
        self._started.wait(120)
        if self._failed is not None:
            raise self._failed

    def _serve(self) -> None:
        async def serve() -> None:
            from prefect.schedules import Cron

            from flows.deployed import DAILY_CHECK_CRON, DEPLOYMENT, daily_check, lifecycle_run
            from flows.sealing import seal_lottery_run

            self._loop = asyncio.get_running_loop()
            try:
                await self.runner.aadd_flow(lifecycle_run, name=DEPLOYMENT, tags=["atelier"])
                await self.runner.aadd_flow(
                    daily_check,
                    name=DEPLOYMENT,
                    schedules=[Cron(DAILY_CHECK_CRON, timezone=str(PARIS))],
                    tags=["atelier"],
                )
                await self.runner.aadd_flow(seal_lottery_run, name=DEPLOYMENT, tags=["atelier"])
            except Exception as error:
                self._failed = error
                return
            finally:
                self._started.set()
            await self.runner.start()

        with prefect_settings(self.api_url):
            asyncio.run(serve())

    def trigger(self, slug: str, event: str | None = None) -> None:
        """One run for what was recorded: engines that saw the same event ask for the same run."""
        from flows.deployed import trigger_lifecycle

        key = f"{slug}|evenement|{event}" if event is not None else None
        with prefect_settings(self.api_url):
            trigger_lifecycle(slug, now=self.runtime.clock.now(), key=key)

    def trigger_seal(self, slug: str, key: str) -> None:
        """One run for this attempt at the seal, whichever engine saw it first."""
        from flows.deployed import trigger_seal

        with prefect_settings(self.api_url):
            trigger_seal(slug, key=key)

    def trigger_all(self) -> None:
        """A daily check now (at start: what was recorded while no engine ran takes effect); engines
        starting in the same minute share it."""
        from flows.deployed import trigger_daily_check

        now = self.runtime.clock.now()
        with prefect_settings(self.api_url):
            trigger_daily_check(now=now, key=f"reprise|{paris(now):%Y-%m-%dT%H:%M}")

    def stop(self, timeout: float = 110.0, *, drop_waiting: bool = False) -> None:
        """No new run begins here; those under way finish (runs waiting stay for the other engines,
        or for this one's next start)."""
        if self._loop is not None and self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._stop_polling(), self._loop).result(10)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("runs still under way after %.0f s", timeout)

    async def _stop_polling(self) -> None:
        # Runner.stop() would also cancel the runs under way; leaving its polling loop lets
        # Runner.start() end by waiting for them (its runs task group).
        self.runner.stopping = True
        for _ in range(200):  # the group exists once Runner.start() has begun (a stop right at start)
            group = getattr(self.runner, "_loops_task_group", None)
            if group is not None:
                group.cancel_scope.cancel()
                return
            await asyncio.sleep(0.05)
