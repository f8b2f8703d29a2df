"""Messages waiting to leave, and the answers and links that come back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.enums import Answer, DecisionChannel, OutboxStatus
from models.types import UTCDateTime


class OutboxMessage(SQLModel, table=True):
    """One e-mail, rendered when queued; ``key`` (recipient × kind × event revision) is unique."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_outbox_due_pending", "status", "due_at"),
        # Counting each atelier's failed messages (the portfolio) reads this index alone.
        Index("ix_outbox_status_atelier", "status", "atelier_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int | None = Field(default=None, foreign_key="atelier.id", index=True)
    key: str = Field(max_length=400)
    kind: str = Field(max_length=80, index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    recipient: str = Field(max_length=320)
    subject: str
    body_text: str
    body_html: str
    ics: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    ics_method: str | None = Field(default=None, max_length=20)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    message_id: str = Field(max_length=200)
    status: OutboxStatus = OutboxStatus.PENDING
    due_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=120)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None


class InvitationAnswer(SQLModel, table=True):
    """A person's answer to their invitation to the atelier (the latest one counts)."""

    __tablename__ = "invitation_answer"
    __table_args__ = (UniqueConstraint("atelier_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    answer: Answer
    channel: DecisionChannel
    answered_at: datetime = Field(sa_type=UTCDateTime)


class UsedLink(SQLModel, table=True):
    """Single-use links: a link's nonce is written here when it is used."""

    __tablename__ = "used_link"

    nonce: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=40)
    used_at: datetime = Field(sa_type=UTCDateTime)
