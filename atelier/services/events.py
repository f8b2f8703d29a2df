"""Appending to the event log."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models import Event

log = logging.getLogger("atelier.events")

ENGINE = "engine"
TEAM = "team"


def person_actor(person_id: int | None) -> str:
    return f"person:{person_id}"


def record_event(
    *,
    session: Session,
    atelier_id: int | None,
    actor: str,
    kind: str,
    at: datetime,
    **detail: Any,
) -> Event:
    event = Event(atelier_id=atelier_id, at=at, actor=actor, kind=kind, detail=detail)
    session.add(event)
    log.info("event %s atelier=%s actor=%s", kind, atelier_id, actor)
    return event


def list_events(*, session: Session, atelier_id: int, kind: str | None = None) -> list[Event]:
    query = select(Event).where(Event.atelier_id == atelier_id)
    if kind:
        query = query.where(Event.kind == kind)
    return list(session.exec(query.order_by(col(Event.id))).all())
