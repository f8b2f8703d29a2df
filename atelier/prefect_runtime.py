"""Running against Prefect: a local server started and stopped by us, client settings, clean exit.

Facts this is built on (measured here, see shared/RESEARCH.md): ephemeral mode starts a
server per Python process and may exceed its start timeout on a busy 2-core box, so we run
one ``prefect server start`` and point the client at it; heartbeats cost ~0.9 s per flow
run and can only be turned off in code; Prefect's log and event workers must be drained
before the server stops or the process hangs at exit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("atelier.prefect")

QUIET_ENV = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPrefectServer:
    """``prefect server start`` on SQLite in our data folder, as a child process."""

    def __init__(self, home: Path, *, port: int | None = None, ui: bool = False) -> None:
        self.home = home.resolve()
        self.port = port or free_port()
        self.ui = ui
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self, *, timeout: float = 120.0) -> str:
        self.home.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **QUIET_ENV,
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{self.home / 'prefect.db'}",
            "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        }
        env.pop("PREFECT_API_URL", None)
        command = [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-services",
            "--ui" if self.ui else "--no-ui",
        ]
        log_file = (self.home / "server.log").open("ab")
        self._process = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
            command, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        self._wait_healthy(timeout)
        log.info("Prefect server ready at %s", self.api_url)
        return self.api_url

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"Prefect server exited early; see {self.home / 'server.log'}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"Prefect server not healthy after {timeout:.0f} s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def drain_prefect_workers() -> None:
    """Flush Prefect's background log and event workers (else the process hangs at exit)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=10)


@contextlib.contextmanager
def prefect_settings(api_url: str, *, home: Path | None = None) -> Iterator[None]:
    """Point flows run in this context (this thread) at ``api_url``, heartbeats off."""
    from prefect.settings import temporary_settings

    updates: dict[str, object] = {"api.url": api_url, "flows.heartbeat_frequency": None}
    if home is not None:
        updates["home"] = str(home.resolve())
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    with temporary_settings(updates=updates):
        yield


@contextlib.contextmanager
def prefect_client(api_url: str, *, home: Path | None = None) -> Iterator[None]:
    """Like ``prefect_settings``, and drain Prefect's workers on the way out."""
    with prefect_settings(api_url, home=home):
        try:
            yield
        finally:
            drain_prefect_workers()


@contextlib.contextmanager
def prefect_session(data_dir: Path, *, ui: bool = False) -> Iterator[str]:
    """The embedded default: the server PREFECT_API_URL names, or a local one we start and stop."""
    external = os.environ.get("PREFECT_API_URL")
    if external:
        with prefect_client(external):
            yield external
        return
    server = LocalPrefectServer(data_dir / "prefect", ui=ui)
    api_url = server.start()
    try:
        with prefect_client(api_url, home=data_dir / "prefect"):
            yield api_url
    finally:
        server.stop()
