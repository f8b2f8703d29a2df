"""What an operator watches: whether the database, the SMTP relay and Prefect answer, and the
outbox's state (messages by status, the age of the oldest one due and not sent, those being
retried) and the gates waiting for a decision; as a health report and as Prometheus metrics.
Counts and ages only: nothing personal."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, func, select

from atelier.clock import Clock
from atelier.config import Settings
from atelier.db import transaction
from models import Gate, OutboxMessage
from models.enums import GateStatus, OutboxStatus


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


class OutboxCollector(Collector):
    """Read at each scrape, so that every process reports the same shared state."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    def collect(self) -> Iterator[Metric]:
        with transaction(self.engine) as session:
            reading = read_outbox(session=session, now=self.clock.now())
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
            "atelier_gates_waiting",
            "Gates open, waiting for their members' decisions",
            value=reading.gates_waiting,
        )
