"""What the team does with an atelier's messages: resend one that failed, and the emergency
brake that suspends all its sending (the dispatcher skips it) until resumed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from atelier.errors import Refused
from atelier.services.events import person_actor, record_event
from models import Atelier, OutboxMessage
from models.enums import OutboxStatus
from models.types import pk


def resend_failed(
    *, session: Session, atelier: Atelier, message_id: int, person_id: int, now: datetime
) -> None:
    """A message given up is queued again, now, with its retries counted afresh."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.atelier_id != pk(atelier):
        raise Refused("ce message n'existe pas dans cet atelier", "unknown message")
    if message.status is not OutboxStatus.FAILED:
        raise Refused(
            "seul un message en échec peut être renvoyé", f"resend of a {message.status.value} message"
        )
    if message.context.get("unwritten") is not None:
        raise Refused(
            "ce message n'a pas pu être rédigé : corrigez l'adresse ou les coordonnées de la personne, "
            "il sera rédigé à nouveau et envoyé",
            "resend of an unwritten message",
        )
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = None
    message.claimed_at = message.claimed_by = None
    message.due_at = now
    session.add(message)
    record_event(
        session=session, atelier_id=pk(atelier), actor=person_actor(person_id), kind="message_resent",
        at=now, message_id=message_id,
    )  # fmt: skip


def set_sending_suspended(
    *, session: Session, atelier: Atelier, suspended: bool, person_id: int, now: datetime
) -> None:
    if suspended == (atelier.sending_suspended_at is not None):
        state = "déjà suspendus" if suspended else "déjà en service"
        raise Refused(f"les envois de cet atelier sont {state}", "sending state unchanged")
    atelier.sending_suspended_at = now if suspended else None
    session.add(atelier)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=person_actor(person_id),
        kind="sending_suspended" if suspended else "sending_resumed",
        at=now,
    )
