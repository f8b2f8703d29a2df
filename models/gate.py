"""COPIL gates and the individual decisions of their members."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.enums import DecisionChannel, DecisionOutcome, GateStatus, QuorumRule
from models.types import UTCDateTime


class Gate(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("atelier_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    step_id: int = Field(foreign_key="step.id")
    key: str = Field(max_length=80)
    name: str
    decides: str  # what the gate decides, shown to members
    member_role: str = Field(max_length=40)
    quorum_rule: QuorumRule
    quorum_n: int | None = None
    status: GateStatus = GateStatus.PENDING
    round: int = 0  # 1 at first asking; +1 each time it is asked again after a send back
    due_at: datetime = Field(sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # After a send back, the team records the revised version; only then are members asked again.
    revised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revision_note: str | None = None  # what changed, quoted in the new decision request


class GateMember(SQLModel, table=True):
    """Members of a gate, frozen when it is first asked."""

    __table_args__ = (UniqueConstraint("gate_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    gate_id: int = Field(foreign_key="gate.id", index=True)
    person_id: int = Field(foreign_key="person.id")


class Decision(SQLModel, table=True):
    """One member's decision in one round of a gate; the unique key makes it once only."""

    __table_args__ = (UniqueConstraint("gate_id", "round", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    gate_id: int = Field(foreign_key="gate.id", index=True)
    round: int
    person_id: int = Field(foreign_key="person.id")
    outcome: DecisionOutcome
    comment: str | None = None
    channel: DecisionChannel
    decided_at: datetime = Field(sa_type=UTCDateTime)


class GateDocument(SQLModel, table=True):
    """A document the gate decides on, for one round (a sent-back gate's next round carries the
    revised version). The bytes live in the file store under ``digest``."""

    __tablename__ = "gate_document"

    id: int | None = Field(default=None, primary_key=True)
    gate_id: int = Field(foreign_key="gate.id", index=True)
    round: int
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int
    digest: str = Field(max_length=64)
    uploaded_by: int = Field(foreign_key="person.id")
    uploaded_at: datetime = Field(sa_type=UTCDateTime)
