"""Running against Prefect: a local server started and stopped by us, client settings, clean exit.

Facts this is built on (measured here, see shared/RESEARCH.md): ephemeral mode starts a
server per Python process and may exceed its start timeout on a busy 2-core box, so we run
one ``prefect server start`` and point the client at it; heartbeats cost ~0.9 s per flow
run and can only be turned off in code; Prefect's log and event workers must be drained
before the server stops or the process hangs at exit.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from atelier.errors import AtelierError

log = logging.getLogger("atelier.prefect")

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover — runs in the child before exec
    """Linux: the kernel sends SIGTERM to the Prefect server when its parent dies, even by SIGKILL."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)


def _is_our_server(pid: int, home: Path) -> bool:
    """A live ``prefect server`` process whose PREFECT_HOME is ``home`` (read from /proc)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"prefect" in command and b"server" in command and f"PREFECT_HOME={home}".encode() in environ


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

    @property
    def pid_file(self) -> Path:
        return self.home / "server.pid"

    def stop_stale(self) -> bool:
        """Stop a server a previous run of ours left behind (same PREFECT_HOME); True if one was."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return False
        if not _is_our_server(pid, self.home):
            return False
        log.warning("stopping a Prefect server left behind by an earlier run (pid %d)", pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while _is_our_server(pid, self.home) and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        return True

    def start(self, *, timeout: float = 120.0) -> str:
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            (self.home / "server.log").open("ab").close()
        except OSError as error:
            raise AtelierError(
                f"le dossier Prefect {self.home} est inutilisable "
                "(droits, lecture seule ou fichier du même nom)",
                f"Prefect home unusable: {error}",
            ) from None
        self.stop_stale()
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
        # Its own process group (a Ctrl+C to ours is not delivered twice; stop() ends the whole
        # group), and on Linux it dies with us even if we are killed.
        self._process = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
            command,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        self.pid_file.write_text(str(self._process.pid))
        self._wait_healthy(timeout)
        log.info("Prefect server ready at %s", self.api_url)
        return self.api_url

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise AtelierError(
                    f"le serveur Prefect local n'a pas démarré : voir {self.home / 'server.log'}",
                    "Prefect server exited early",
                )
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise AtelierError(
            f"le serveur Prefect local ne répond pas après {timeout:.0f} s : voir {self.home / 'server.log'}",
            "Prefect server not healthy",
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.pid_file.unlink(missing_ok=True)


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


def prefect_settings_if(api_url: str | None) -> contextlib.AbstractContextManager[None]:
    """``prefect_settings(api_url)``, or nothing when no server is given (runs without Prefect)."""
    return prefect_settings(api_url) if api_url else contextlib.nullcontext()


@contextlib.contextmanager
def prefect_client(api_url: str, *, home: Path | None = None) -> Iterator[None]:
    """Like ``prefect_settings``, and drain Prefect's workers on the way out."""
    with prefect_settings(api_url, home=home):
        try:
            yield
        finally:
            drain_prefect_workers()


def _answers(api_url: str, timeout: float = 5.0) -> bool:
    """Whether the Prefect API at ``api_url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


@contextlib.contextmanager
def prefect_session(
    data_dir: Path, *, ui: bool = False, home: Path | None = None, port: int | None = None
) -> Iterator[str]:
    """The embedded default: the server PREFECT_API_URL names, or a local one we start and stop
    (its files in ``home``, by default the data folder's ``prefect``; on ``port``, else a free one)."""
    external = os.environ.get("PREFECT_API_URL")
    if external:
        if not _answers(external):
            raise AtelierError(
                f"le serveur Prefect indiqué par PREFECT_API_URL ({external}) ne répond pas : démarrez-le, "
                "ou retirez cette variable pour que l'application démarre le sien",
                "PREFECT_API_URL unreachable",
            )
        with prefect_client(external):
            yield external
        return
    home = home or data_dir / "prefect"
    server = LocalPrefectServer(home, ui=ui, port=port)
    api_url = server.start()
    try:
        with prefect_client(api_url, home=home):
            yield api_url
    finally:
        server.stop()
