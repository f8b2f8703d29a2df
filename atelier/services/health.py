"""What an operator watches: whether the database, the SMTP relay and Prefect answer, which
engines and dispatchers are running (their heartbeats), the outbox's state (messages by status, the
age of the oldest one due and not sent, those being retried) and the gates waiting for a decision;
as a health report and as Prometheus metrics. Counts and ages only: nothing personal."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, func, select

from atelier.clock import Clock
from atelier.config import Settings
from atelier.db import transaction
from atelier.services.advance_failures import stuck_ateliers
from models import Gate, OutboxMessage, ProcessBeat
from models.enums import GateStatus, OutboxStatus

log = logging.getLogger("atelier.health")


@dataclass(frozen=True)
class OutboxReading:
    by_status: dict[str, int]
    oldest_due_seconds: float  # how long the oldest message due and not sent has waited (0: none)
    retrying: int  # pending after at least one failed attempt
    gates_waiting: int


def read_outbox(*, session: Session, now: datetime) -> OutboxReading:
    counts = dict(
        session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    )
    oldest = session.exec(
        select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING, col(OutboxMessage.due_at) <= now
        )
    ).one()
    retrying = session.exec(
        select(func.count()).where(
            OutboxMessage.status == OutboxStatus.PENDING, col(OutboxMessage.attempts) > 0
        )
    ).one()
    gates = session.exec(select(func.count()).where(Gate.status == GateStatus.OPEN)).one()
    return OutboxReading(
        {status.value: int(counts.get(status, 0)) for status in OutboxStatus},
        max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0,
        int(retrying),
        int(gates),
    )


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def smtp_answers(settings: Settings, timeout: float = 2.0) -> bool:
    """The relay accepts a connection (no message, no sign-in)."""
    try:
        with socket.create_connection((settings.smtp_host, settings.smtp_port), timeout=timeout):
            return True
    except OSError:
        return False


def prefect_answers(api_url: str | None, timeout: float = 2.0) -> bool | None:
    """None when this process uses no Prefect server."""
    if not api_url:
        return None
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


class Heartbeat:
    """This process's row in ``process_beat``, written every ``heartbeat_seconds`` on the real
    clock (whatever hour the ateliers are simulated at); rows unseen for a week are forgotten."""

    def __init__(self, engine: Engine, role: str) -> None:
        self.engine, self.role = engine, role
        self.name = f"{role}:{socket.gethostname()}:{os.getpid()}"
        self.started_at = datetime.now(UTC)

    def beat(self) -> None:
        now = datetime.now(UTC)
        try:
            with transaction(self.engine) as session:
                row = session.get(ProcessBeat, self.name) or ProcessBeat(
                    name=self.name, role=self.role, started_at=self.started_at, seen_at=now
                )
                row.seen_at = now
                session.add(row)
                session.execute(delete(ProcessBeat).where(col(ProcessBeat.seen_at) < now - FORGOTTEN_AFTER))
        except SQLAlchemyError:
            log.warning("heartbeat of %s not written: database unavailable", self.role)


FORGOTTEN_AFTER = timedelta(days=7)


def processes_alive(*, session: Session, within: timedelta) -> dict[str, int]:
    """For each role that ever ran here, how many of its processes were seen within ``within``."""
    seen_since = datetime.now(UTC) - within
    rows = session.exec(select(ProcessBeat.role, ProcessBeat.seen_at)).all()
    alive: dict[str, int] = {}
    for role, seen_at in rows:
        alive[role] = alive.get(role, 0) + (seen_at >= seen_since)
    return alive


class OutboxCollector(Collector):
    """Read at each scrape, so that every process reports the same shared state."""

    def __init__(self, engine: Engine, clock: Clock, heartbeat_seconds: float) -> None:
        self.engine, self.clock, self.heartbeat_seconds = engine, clock, heartbeat_seconds

    def collect(self) -> Iterator[Metric]:
        with transaction(self.engine) as session:
            reading = read_outbox(session=session, now=self.clock.now())
            alive = processes_alive(session=session, within=timedelta(seconds=3 * self.heartbeat_seconds))
            stuck = stuck_ateliers(session=session)
        processes = GaugeMetricFamily(
            "atelier_processes_alive", "Engines and dispatchers seen lately", labels=["role"]
        )
        for role, n in sorted(alive.items()):
            processes.add_metric([role], n)
        yield processes
        by_status = GaugeMetricFamily("atelier_outbox_messages", "Messages in the outbox", labels=["status"])
        for status, n in reading.by_status.items():
            by_status.add_metric([status], n)
        yield by_status
        yield GaugeMetricFamily(
            "atelier_outbox_oldest_due_seconds",
            "How long the oldest message due and not sent has waited",
            value=reading.oldest_due_seconds,
        )
        yield GaugeMetricFamily(
            "atelier_outbox_retrying_messages", "Messages waiting to be sent again after a failure",
            value=reading.retrying,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "atelier_ateliers_stuck", "Ateliers whose advancing fails (shown on their page)", value=stuck
        )
        yield GaugeMetricFamily(
            "atelier_gates_waiting",
            "Gates open, waiting for their members' decisions",
            value=reading.gates_waiting,
        )
