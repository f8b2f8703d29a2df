"""What an operator sees over real HTTP: ``/sante`` (the database, the SMTP relay, how late the
outbox is) and ``/metrics`` for Prometheus, with nothing personal in either."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlmodel import func, select

from atelier.bootstrap import Runtime
from atelier.db import make_engine, transaction
from atelier.serve import EngineWorker
from flows.lifecycle import advance_without_prefect
from models import OutboxMessage, Person, ProcessBeat
from models.enums import OutboxStatus
from notifications.synthetic import insert_rows, synthetic_rows
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import World
from tests.served import served


def _metric(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert found is not None, name
    return float(found.group(1))


def _pending(world: World) -> int:
    with transaction(world.runtime.engine) as session:
        return int(
            session.exec(select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)).one()
        )


def test_metrics_and_health_follow_the_outbox_and_name_nobody(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Messages queued and left unsent for two hours show as pending with a two-hour-old oldest;
    sent, they leave it; an advance by the engine is timed; the SMTP relay down makes the health
    « degraded » but still 200; no person's name or address appears anywhere."""
    from atelier.web.app import create_app

    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # this process has no Prefect server
    worker = EngineWorker(world.runtime, lambda slug, now: advance_without_prefect(world.runtime, slug, now))
    worker.start()
    worker.trigger(world.slug)
    worker.stop()
    rows = synthetic_rows(
        4, first_due=world.clock.now(), spread=timedelta(0), settings=world.runtime.settings
    )
    insert_rows(world.runtime.engine, rows)
    world.clock.set(world.clock.now() + timedelta(hours=2))
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site, timeout=20) as http:
        metrics = http.get("/metrics")
        assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
        pending = _pending(world)
        assert pending > 0
        assert _metric(metrics.text, 'atelier_outbox_messages{status="pending"}') == pending
        assert 7200 <= _metric(metrics.text, "atelier_outbox_oldest_due_seconds") < 7300
        assert _metric(metrics.text, "atelier_advance_seconds_count") == 1
        health = http.get("/sante")
        body = health.json()
        assert health.status_code == 200
        assert (body["status"], body["database"], body["smtp"], body["prefect"]) == ("ok", True, True, None)
        assert body["outbox"]["pending"] == pending and body["oldest_due_seconds"] >= 7200
        drain(dispatcher_for(world.runtime))
        after = http.get("/metrics").text
        assert _metric(after, 'atelier_outbox_messages{status="pending"}') == _pending(world)
        assert _metric(after, "atelier_outbox_oldest_due_seconds") == 0
    relay_down = world.runtime.settings.model_copy(update={"smtp_port": 9})  # nothing listens there
    runtime = Runtime(relay_down, world.runtime.engine, world.runtime.signer, world.clock)
    with served(create_app(runtime)) as site, httpx.Client(base_url=site, timeout=20) as http:
        degraded = http.get("/sante")
    assert degraded.status_code == 200 and degraded.json()["smtp"] is False
    assert degraded.json()["status"] == "degraded"
    bodies = metrics.text + after + health.text + degraded.text
    with transaction(world.runtime.engine) as session:
        people = session.exec(select(Person)).all()
        personal = [text for p in people for text in (p.email, p.full_name)]
    assert not [text for text in personal if text in bodies]


def test_health_is_503_when_the_database_does_not_answer(world: World) -> None:
    """A process whose database cannot be reached says so with 503 (a load balancer takes it out)."""
    from atelier.web.app import create_app

    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/nothing?connect_timeout=2")
    runtime = Runtime(world.runtime.settings, unreachable, world.runtime.signer, world.clock)
    with served(create_app(runtime)) as site, httpx.Client(base_url=site, timeout=20) as http:
        health = http.get("/sante")
    assert health.status_code == 503 and health.json() == {"status": "down", "database": False}


def test_health_says_when_no_dispatcher_is_alive_any_more(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two dispatchers and an engine beating: /sante and /metrics count them; once the dispatchers
    stop beating (killed, machine down) the health is « degraded » with 0 dispatchers."""
    from atelier.services.health import Heartbeat
    from atelier.web.app import create_app

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    first, second = Heartbeat(world.runtime.engine, "dispatch"), Heartbeat(world.runtime.engine, "dispatch")
    second.name += ":autre-machine"
    for beat in (first, second, Heartbeat(world.runtime.engine, "engine")):
        beat.beat()
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site, timeout=20) as http:
        alive = http.get("/sante").json()
        assert (alive["status"], alive["processes"]) == ("ok", {"dispatch": 2, "engine": 1})
        assert _metric(http.get("/metrics").text, 'atelier_processes_alive{role="dispatch"}') == 2
        with transaction(world.runtime.engine) as session:  # their last beat, an hour ago
            for row in session.exec(select(ProcessBeat).where(ProcessBeat.role == "dispatch")).all():
                row.seen_at -= timedelta(hours=1)
                session.add(row)
        gone = http.get("/sante")
        assert gone.status_code == 200
        assert (gone.json()["status"], gone.json()["processes"]) == ("degraded", {"dispatch": 0, "engine": 1})
        assert _metric(http.get("/metrics").text, 'atelier_processes_alive{role="dispatch"}') == 0
