"""`atelier serve` as a real process: one per data folder, ports checked first, no Prefect server left."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from atelier.prefect_runtime import free_port
from tests.processes import ATELIER, healthy, wait_for


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "ATELIER_"))}
    return {**env, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def _serve(data_dir: Path, port: int, smtp_port: int, prefect_port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *ATELIER,
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(port),
            "--smtp-port",
            str(smtp_port),
            "--prefect-port",
            str(prefect_port),
        ],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )


def _atelier(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command run to its end, as an operator would type it."""
    return subprocess.run(
        [*ATELIER, *args],
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


@pytest.mark.sqlite_only
def test_second_engine_is_refused_and_a_killed_engine_leaves_no_prefect_server(tmp_path: Path) -> None:
    """Second serve on one folder: one French line; SIGKILL of the first: its Prefect server dies too.
    The ports chosen on the command line are the ones used (the mail catcher's, Prefect's)."""
    data_dir, port, smtp_port, prefect_port = tmp_path / "data", free_port(), free_port(), free_port()
    first = _serve(data_dir, port, smtp_port, prefect_port)
    try:
        assert wait_for(lambda: healthy(port), 180), "serve did not start"
        for taken in (smtp_port, prefect_port):
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", taken)) == 0, f"nothing listens on {taken}"
        second = _atelier(
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(free_port()),
            env={**_env(), "ATELIER_SMTP_PORT": str(free_port())},
        )
        assert second.returncode == 1
        assert second.stderr.startswith(
            "Erreur : un moteur (atelier serve ou atelier engine) fonctionne déjà"
        )
        assert second.stderr.count("\n") == 1
        prefect_pid = int((data_dir / "prefect" / "server.pid").read_text())
        assert _alive(prefect_pid)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert wait_for(lambda: not _alive(prefect_pid), 20), "Prefect server left behind"
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)


def test_taken_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    """A web port already in use: one French line at once, no Prefect server started."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _atelier(
            "--data-dir",
            str(tmp_path / "data"),
            "serve",
            "--port",
            str(port),
            env={**_env(), "ATELIER_SMTP_PORT": str(free_port())},
        )
    assert result.returncode == 1
    assert result.stderr == (
        f"Erreur : le port {port} (page des liens) est déjà utilisé par un autre programme : "
        "choisissez-en un autre avec --port\n"
    )
    assert not (tmp_path / "data" / "prefect").exists()


def test_serve_help_names_every_port_and_a_taken_prefect_port_is_refused(tmp_path: Path) -> None:
    """« serve --help » offers the catcher's and Prefect's ports; a Prefect port in use gets one
    French line naming its option, before anything starts."""
    shown = _atelier("serve", "--help", env={**_env(), "COLUMNS": "200"})
    assert shown.returncode == 0 and "--smtp-port" in shown.stdout and "--prefect-port" in shown.stdout
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        prefect_port = taken.getsockname()[1]
        result = _atelier(
            "--data-dir", str(tmp_path / "data"), "serve", "--port", str(free_port()),
            "--smtp-port", str(free_port()), "--prefect-port", str(prefect_port),
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        f"Erreur : le port {prefect_port} (serveur Prefect local) est déjà utilisé par un autre programme : "
        "choisissez-en un autre avec --prefect-port\n"
    )
    assert not (tmp_path / "data" / "prefect").exists()


def test_unusable_prefect_folder_gets_a_french_line(tmp_path: Path) -> None:
    """A file where the Prefect folder should be: one French line, the engine does not start."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "prefect").write_text("not a folder")
    result = _atelier("--data-dir", str(data_dir), "serve", "--port", str(free_port()), "--no-catcher")
    assert result.returncode == 1
    assert result.stderr.startswith("Erreur : le dossier Prefect") and "inutilisable" in result.stderr
    assert result.stderr.count("\n") == 1
