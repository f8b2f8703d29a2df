"""Changing an atelier's details once it is open (what it is about, where and how it happens):
recorded by field name, and the messages already written with the old details rewritten."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from atelier.services.ateliers import AtelierDetails
from atelier.services.events import record_event
from models import Atelier, OutboxMessage
from models.enums import OutboxStatus
from models.types import pk

DETAIL_FIELDS = tuple(AtelierDetails.model_fields)


def details_of(atelier: Atelier) -> AtelierDetails:
    return AtelierDetails.model_validate({f: getattr(atelier, f) for f in DETAIL_FIELDS})


def _rewritable(session: Session, atelier: Atelier) -> list[int]:
    """The planned messages written and not yet claimed for sending (their rule names them): the
    next advance writes them again (same keys, so the same Message-ID) with the new details."""
    rows = session.exec(
        select(OutboxMessage.id, OutboxMessage.context).where(
            OutboxMessage.atelier_id == pk(atelier),
            OutboxMessage.status == OutboxStatus.PENDING,
            col(OutboxMessage.claimed_at).is_(None),
        )
    ).all()
    return [int(message_id) for message_id, context in rows if message_id and context.get("rule")]


def messages_to_rewrite(*, session: Session, atelier: Atelier) -> list[tuple[str, int]]:
    """The messages a change of details would rewrite, by subject with their number, the most
    numerous first (the form lists them before saving)."""
    ids = _rewritable(session, atelier)
    subjects = Counter(
        session.exec(select(OutboxMessage.subject).where(col(OutboxMessage.id).in_(ids))).all() if ids else []
    )
    return sorted(subjects.items(), key=lambda item: (-item[1], item[0]))


def update_details(
    *, session: Session, atelier: Atelier, details: AtelierDetails, now: datetime, actor: str
) -> tuple[list[str], int]:
    """Save the details; the fields changed and how many pending messages are to be rewritten."""
    changed = [f for f in DETAIL_FIELDS if getattr(atelier, f) != getattr(details, f)]
    if not changed:
        return [], 0
    for name in changed:
        setattr(atelier, name, getattr(details, name))
    session.add(atelier)
    # Claimed meanwhile by a dispatcher (being sent): left alone, not deleted under its feet.
    unclaimed = (
        col(OutboxMessage.id).in_(_rewritable(session, atelier)),
        col(OutboxMessage.claimed_at).is_(None),
        col(OutboxMessage.status) == OutboxStatus.PENDING,
    )
    rewritten = cast(CursorResult[Any], session.execute(delete(OutboxMessage).where(*unclaimed))).rowcount
    # The fields' names only: the journal keeps no more than it needs.
    record_event(
        session=session, atelier_id=pk(atelier), actor=actor, kind="atelier_updated", at=now,
        fields=changed, messages_rewritten=rewritten,
    )  # fmt: skip
    return changed, rewritten
