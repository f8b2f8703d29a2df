"""The citizens' avis as validated, its proposals, and the commanditaire's answer to each.

A recorded version never changes (its digest is kept): a later edit is the next version. An
answer is never changed in place either: each one recorded is a new row, the latest counts, and
only answers published by the team appear on the public record."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.enums import AnswerStatus, GroupPosition, ImplementationState
from models.types import UTCDateTime


class AvisVersion(SQLModel, table=True):
    __tablename__ = "avis_version"
    __table_args__ = (UniqueConstraint("atelier_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    version: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    validated_on: date  # the day the citizens validated it
    note: str | None = Field(default=None, max_length=1000)  # what changed, from version 2
    digest: str = Field(max_length=64)  # SHA-256 of the text and the proposals
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=80)
    # A draft until the team publishes it (after reading its preview); only then is it public.
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AvisProposal(SQLModel, table=True):
    __tablename__ = "avis_proposal"
    __table_args__ = (UniqueConstraint("avis_version_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    avis_version_id: int = Field(foreign_key="avis_version.id", index=True)
    number: int
    title: str = Field(max_length=300)
    text: str = Field(sa_column=Column(Text, nullable=False))
    theme: str | None = Field(default=None, max_length=200)
    position: GroupPosition = GroupPosition.CONSENSUS
    support: float | None = None  # share of the citizens who voted for it, when the group voted


class ProposalAnswer(SQLModel, table=True):
    __tablename__ = "proposal_answer"

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    number: int  # the proposal's number in the avis
    status: AnswerStatus
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    carrier: str | None = Field(default=None, max_length=300)  # direction, service
    instrument: str | None = Field(default=None, max_length=200)  # loi, décret, budget…
    due_on: date | None = None
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=80)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProposalUpdate(SQLModel, table=True):
    """One dated step of a proposal's follow-up; never changed, only added to."""

    __tablename__ = "proposal_update"

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    number: int
    state: ImplementationState
    text: str = Field(sa_column=Column(Text, nullable=False))
    evidence_url: str | None = Field(default=None, max_length=500)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=80)


class FollowUpStop(SQLModel, table=True):
    """A citizen who asked, through their link, for no more follow-up notices."""

    __tablename__ = "follow_up_stop"
    __table_args__ = (UniqueConstraint("atelier_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    stopped_at: datetime = Field(sa_type=UTCDateTime)


class AnswerMark(SQLModel, table=True):
    """A citizen's mark (0 to 10) of the answer to one proposal, and their comment; marking again
    replaces their previous mark. Comments stay with the team: only marks are published."""

    __tablename__ = "answer_mark"
    __table_args__ = (UniqueConstraint("atelier_id", "person_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    number: int
    mark: int = Field(ge=0, le=10)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    marked_at: datetime = Field(sa_type=UTCDateTime)
    # The answer marked: once the answer's status or reason changes, the mark no longer counts for
    # it (None: marked before answers were told apart, counts for the current one).
    answer_id: int | None = Field(default=None, foreign_key="proposal_answer.id")


class CommitteeSeat(SQLModel, table=True):
    """A citizen's seat on the comité de suivi, taken by themself; leaving keeps the row (``left_at``)
    so that the meetings' invitations they received are cancelled (coming back goes through the team)."""

    __tablename__ = "committee_seat"
    __table_args__ = (UniqueConstraint("atelier_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    joined_at: datetime = Field(sa_type=UTCDateTime)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
