"""`atelier web`, `atelier engine` and `atelier dispatch` as separate processes: each does its part,
several dispatchers send each message once, SIGTERM stops each cleanly, JSON logs name nobody."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from atelier.bootstrap import bootstrap
from atelier.clock import PARIS
from atelier.config import Settings
from atelier.db import transaction
from atelier.prefect_runtime import free_port
from atelier.services.health import processes_alive
from models import Atelier, OutboxMessage, Person
from models.enums import OutboxStatus
from notifications.catcher import MailboxHandler, MailCatcher
from notifications.synthetic import insert_rows, synthetic_rows
from tests.integration.helpers import World
from tests.processes import ATELIER, ROOT, healthy, wait_for


def _env(**extra: str) -> dict[str, str]:
    """The test's environment (its database on PostgreSQL, the session's Prefect server when the test
    asks for it: an engine then starts none of its own), JSON logs at INFO."""
    return {**os.environ, "ATELIER_LOG_FORMAT": "json", "ATELIER_LOG_LEVEL": "INFO", **extra}


def _start(data_dir: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*ATELIER, "--data-dir", str(data_dir), *args],
        env=_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def _terminate(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """SIGTERM, as systemd stops a unit; the exit code and what it wrote."""
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def _log_lines(err: str) -> list[dict[str, object]]:
    """Every line of stderr is one JSON object (a log collector reads them as they come)."""
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_two_dispatchers_send_each_message_once_and_stop_on_sigterm(tmp_path: Path) -> None:
    """Two `atelier dispatch`: 60 messages each received once; SIGTERM ends one cleanly mid-way."""
    relay = MailCatcher(MailboxHandler(delay_seconds=0.05))
    relay.start()
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir, smtp_port=relay.bound_port, secret_key="test")
    runtime = bootstrap(settings)
    rows = synthetic_rows(
        60, first_due=datetime.now(UTC) - timedelta(minutes=1), spread=timedelta(0), settings=settings
    )
    insert_rows(runtime.engine, rows)
    env = {"ATELIER_SMTP_PORT": str(relay.bound_port), "ATELIER_DISPATCH_BATCH_SIZE": "10"}
    first = _start(data_dir, "dispatch", **env)
    second = _start(data_dir, "dispatch", ATELIER_SMTP_CONNECTIONS="2", **env)
    try:
        assert wait_for(lambda: len(relay.mailbox.messages) >= 10, 60)
        assert wait_for(lambda: _alive(runtime.engine) == {"dispatch": 2}, 30)  # both beat
        code, out, err = _terminate(first)
        assert code == 0, err
        assert "Envoi arrêté : les courriels en cours sont partis" in out
        assert wait_for(lambda: len(relay.mailbox.messages) >= 60, 60)
        code, _out, second_err = _terminate(second)
        assert code == 0, second_err
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
        relay.stop()
    received = Counter(m.recipients[0] for m in relay.mailbox.messages)
    assert len(received) == 60 and max(received.values()) == 1
    with transaction(runtime.engine) as session:
        statuses = Counter(r.status for r in session.exec(select(OutboxMessage)).all())
    assert statuses == Counter({OutboxStatus.SENT: 60})
    lines = _log_lines(err) + _log_lines(second_err)
    assert any(line["message"] == "stopping on signal" for line in lines)
    assert not [line for line in lines if "@" in json.dumps(line)]  # no address, not even masked
    runtime.engine.dispose()


def test_engine_advances_at_start_and_the_web_app_alone_advances_nothing(
    world: World, prefect_api: str
) -> None:
    """`atelier engine` catches up at start; `atelier web` only answers; SIGTERM ends both; no name logged."""
    data_dir = world.runtime.settings.data_dir
    now = world.clock.now() + timedelta(days=12)  # the team's risk alert falls due then
    stamp = now.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")  # --now is Paris time
    port = free_port()
    web = _start(data_dir, "--now", stamp, "web", "--port", str(port), ATELIER_SECRET_KEY="test" * 8)
    try:
        assert wait_for(lambda: healthy(port), 60), "atelier web did not start"
        assert _queued(world) == 0  # the web app alone queues nothing
    finally:
        code, _out, web_err = _terminate(web)
    # uvicorn finishes the requests under way, then ends by the signal it caught (as systemd expects).
    assert code in (0, -signal.SIGTERM), web_err
    assert any("Finished server process" in str(line["message"]) for line in _log_lines(web_err))
    engine = _start(data_dir, "--now", stamp, "engine", ATELIER_SECRET_KEY="test" * 8)
    try:
        assert wait_for(lambda: _queued(world) > 0, 120), "the engine did not advance the atelier"
    finally:
        code, out, err = _terminate(engine)
    assert code == 0, err
    assert "Moteur arrêté." in out
    lines = _log_lines(err) + _log_lines(web_err)
    assert any(line["logger"] == "atelier.serve" for line in lines)
    with transaction(world.runtime.engine) as session:
        people = session.exec(select(Person)).all()
        title = session.exec(select(Atelier.title)).one()
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert title  # the atelier exists, and nobody in it is named in any line:
    for person in people:
        assert person.email not in text and person.full_name not in text


@pytest.mark.sqlite_only
def test_second_engine_on_one_data_folder_is_refused(world: World, prefect_api: str) -> None:
    """On SQLite, a second `atelier engine` on the same data folder: one French line, exit 1."""
    data_dir = world.runtime.settings.data_dir
    first = _start(data_dir, "engine")
    try:
        assert first.stdout is not None
        assert "Moteur démarré" in first.stdout.readline()  # its lock taken, its Prefect up
        second = subprocess.run(
            [*ATELIER, "--data-dir", str(data_dir), "engine"],
            env=_env(ATELIER_LOG_FORMAT="text", ATELIER_LOG_LEVEL="WARNING"),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        code, _out, err = _terminate(first)
    assert code == 0, err
    assert second.returncode == 1
    assert second.stderr.startswith(
        "Erreur : un moteur (atelier serve ou atelier engine) fonctionne déjà sur le dossier de données"
    )
    assert second.stderr.count("\n") == 1


def _alive(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        return processes_alive(session=session, within=timedelta(seconds=30))


def _queued(world: World) -> int:
    with transaction(world.runtime.engine) as session:
        return len(session.exec(select(OutboxMessage.id)).all())
