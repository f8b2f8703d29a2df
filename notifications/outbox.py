"""The outbox in the database: keeping it in step with the plan, claiming and settling rows."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Update, and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from atelier.config import Settings
from models import (
    Atelier,
    OutboxMessage,
)
from models.enums import OutboxStatus
from models.types import pk
from notifications.compose import Recipient, address_line, message_id_for

log = logging.getLogger("atelier.outbox")


def queue_team_alert(
    *,
    session: Session,
    atelier_id: int | None,
    key: str,
    kind: str,
    subject_context: dict[str, Any],
    settings: Settings,
    now: datetime,
) -> None:
    """An alert outside the plan (an undeliverable message); its key makes it once only."""
    from notifications.rendering import render_message

    if session.exec(select(OutboxMessage.id).where(OutboxMessage.key == key)).first() is not None:
        return
    rendered = render_message(kind, subject_context)
    session.add(
        OutboxMessage(
            atelier_id=atelier_id,
            key=key,
            kind=kind,
            person_id=None,
            recipient=settings.team_email,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            context={"alert": kind},
            message_id=message_id_for(key, settings),
            due_at=now,
            created_at=now,
        )
    )


def queue_message(
    session: Session, atelier: Atelier, settings: Settings, to: Recipient, *, key: str, kind: str,
    context: dict[str, Any], due: datetime, now: datetime, note: dict[str, Any],
) -> None:  # fmt: skip
    """A message outside the plan, rendered now (its key, chosen by the caller, makes it once only)."""
    from notifications.rendering import render_message

    rendered = render_message(kind, context)
    session.add(
        OutboxMessage(
            atelier_id=pk(atelier),
            key=key,
            kind=kind,
            person_id=to.person_id,
            recipient=address_line(to.full_name, to.email),
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            context=note,
            message_id=message_id_for(key, settings),
            due_at=due,
            created_at=now,
        )
    )


# --- claiming and settling (used by the dispatcher) -------------------------------------------


def claim_due(
    *, engine: Engine, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages with a lease; safe across processes.

    One UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING; on PostgreSQL the sub-select
    takes FOR UPDATE SKIP LOCKED so that two dispatchers never claim the same row.
    """
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    ateliers = Atelier.__table__  # type: ignore[attr-defined]
    suspended = select(ateliers.c.id).where(ateliers.c.sending_suspended_at.is_not(None))
    due = (
        select(table.c.id)
        .where(
            table.c.status == OutboxStatus.PENDING.name,
            table.c.due_at <= now,
            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
            or_(table.c.claimed_at.is_(None), table.c.claimed_at < now - lease),
            # An atelier whose sending the team suspended keeps its messages until resumed.
            or_(table.c.atelier_id.is_(None), table.c.atelier_id.not_in(suspended)),
        )
        .order_by(table.c.due_at, table.c.id)
        .limit(limit)
    )
    if engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(claimed_at=now, claimed_by=worker)
        .returning(*table.c)
    )
    with engine.begin() as connection:
        rows = connection.execute(statement).mappings().all()
    return sorted((OutboxMessage.model_validate(dict(r)) for r in rows), key=lambda m: (m.due_at, m.id or 0))


def _update_still_ours(message_ids: list[int], worker: str) -> Update:
    """UPDATE of the rows among ``message_ids`` that ``worker`` still holds and that are not sent."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    return update(table).where(
        and_(
            table.c.id.in_(message_ids),
            table.c.claimed_by == worker,
            table.c.status == OutboxStatus.PENDING.name,
        )
    )


def renew_claims(*, engine: Engine, message_ids: list[int], worker: str, now: datetime) -> set[int]:
    """Extend our lease on rows not sent yet; returns those still ours (another dispatcher may have
    re-claimed some after our lease ran out)."""
    if not message_ids:
        return set()
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        statement = _update_still_ours(message_ids, worker).values(claimed_at=now).returning(table.c.id)
        rows = connection.execute(statement).all()
    return {row[0] for row in rows}


def release_claims(*, engine: Engine, message_ids: list[int], worker: str) -> None:
    """Hand back rows we claimed and will not send (a dispatcher stopping): another takes them now,
    without waiting for our lease to run out."""
    if not message_ids:
        return
    with engine.begin() as connection:
        connection.execute(_update_still_ours(message_ids, worker).values(claimed_at=None, claimed_by=None))


def mark_sent(*, engine: Engine, message_id: int, worker: str, now: datetime) -> bool:
    """Record a message as sent; False (and a warning) if our claim was lost while it was sending."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        ours = connection.execute(
            update(table)
            .where(and_(table.c.id == message_id, table.c.claimed_by == worker))
            .values(status=OutboxStatus.SENT.name, sent_at=now, claimed_at=None, last_error=None)
        ).rowcount
        if ours:
            return True
        # Sent all the same: record it unless someone did, so that nobody sends it again.
        connection.execute(
            update(table)
            .where(and_(table.c.id == message_id, table.c.status == OutboxStatus.PENDING.name))
            .values(status=OutboxStatus.SENT.name, sent_at=now, claimed_at=None, last_error=None)
        )
    log.warning("outbox=%s was re-claimed by another dispatcher while it was being sent", message_id)
    return False


def mark_failed_attempt(
    *,
    engine: Engine,
    message: OutboxMessage,
    worker: str,
    now: datetime,
    error: str,
    retry_at: datetime | None,
) -> None:
    """Record a failure; ``retry_at`` None gives up (status failed)."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = {
        "attempts": message.attempts + 1,
        "last_error": error[:500],
        "claimed_at": None,
        "claimed_by": None,
    }
    if retry_at is None:
        values["status"] = OutboxStatus.FAILED.name
    else:
        values["next_attempt_at"] = retry_at
    with engine.begin() as connection:
        connection.execute(
            update(table).where(and_(table.c.id == message.id, table.c.claimed_by == worker)).values(**values)
        )


def pending_count(*, session: Session) -> int:
    return len(
        session.exec(select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)).all()
    )


def messages(
    *, session: Session, atelier_id: int | None = None, status: OutboxStatus | None = None
) -> Sequence[OutboxMessage]:
    query = select(OutboxMessage)
    if atelier_id is not None:
        query = query.where(OutboxMessage.atelier_id == atelier_id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return session.exec(query.order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))).all()
