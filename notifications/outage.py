"""Delivery as a whole: the team is told once when sending has failed for a while, and once when it recovers.

One row (``DeliveryState``) shared by every dispatcher; the alerts' outbox keys name the outage by
its start, so two processes noticing the same outage queue one alert.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from atelier.config import Settings
from atelier.db import transaction
from atelier.i18n import long_datetime
from models import DeliveryState, OutboxMessage
from models.enums import OutboxStatus
from notifications.outbox import queue_team_alert

log = logging.getLogger("atelier.outage")


def _state(session: Session) -> DeliveryState:
    return session.get(DeliveryState, 1) or DeliveryState(id=1)


def _alert(
    session: Session, *, kind: str, since: datetime, settings: Settings, now: datetime, **outage: Any
) -> None:
    """One alert per outage and kind: its key names the outage by its start."""
    queue_team_alert(
        session=session,
        atelier_id=None,
        key=f"team|{kind}|{since.isoformat()}",
        kind=kind,
        subject_context={
            "atelier": {"title": "Ateliers citoyens", "commanditaire": "—"},
            "team": {"name": settings.mail_from_name, "email": settings.team_email},
            "outage": {"since_long": long_datetime(since), **outage},
        },
        settings=settings,
        now=now,
    )


def note_failure(*, engine: Engine, settings: Settings, now: datetime, error: str) -> None:
    """A transient failure: start the outage clock, and alert once when it has run long enough."""
    with transaction(engine) as session:
        state = _state(session)
        if state.failing_since is None:
            state.failing_since, state.failures, state.given_up, state.alerted_at = now, 0, 0, None
        state.failures += 1
        state.last_error = error[:300]
        after = timedelta(minutes=settings.delivery_alert_after_minutes)
        if state.alerted_at is None and now - state.failing_since >= after:
            state.alerted_at = now
            waiting = session.exec(
                select(func.count(col(OutboxMessage.id))).where(
                    OutboxMessage.status == OutboxStatus.PENDING, col(OutboxMessage.attempts) > 0
                )
            ).one()
            log.error(
                "delivery failing since %s: %d attempts failed, %d messages waiting",
                state.failing_since.isoformat(),
                state.failures,
                waiting,
            )
            _alert(
                session,
                kind="team_delivery_outage",
                since=state.failing_since,
                settings=settings,
                now=now,
                failures=state.failures,
                waiting=waiting,
                error=state.last_error,
            )
        session.add(state)


def note_given_up(*, engine: Engine) -> bool:
    """Count a given-up message into an announced outage; False when there is none (alert it alone)."""
    with transaction(engine) as session:
        state = _state(session)
        if state.alerted_at is None:
            return False
        state.given_up += 1
        session.add(state)
        return True


def note_success(*, engine: Engine, settings: Settings, now: datetime) -> None:
    """A message left: an outage is over; if the team was told of it, tell them it ended."""
    with transaction(engine) as session:
        state = session.get(DeliveryState, 1)
        if state is None or state.failing_since is None:
            return
        if state.alerted_at is not None:
            log.warning("delivery recovered after failing since %s", state.failing_since.isoformat())
            _alert(
                session,
                kind="team_delivery_recovered",
                since=state.failing_since,
                settings=settings,
                now=now,
                recovered_long=long_datetime(now),
                given_up=state.given_up,
            )
        state.failing_since, state.failures, state.given_up, state.alerted_at = None, 0, 0, None
        state.last_error = None
        session.add(state)
