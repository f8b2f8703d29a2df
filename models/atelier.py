"""The atelier, its stages and steps (each step is a milestone of the timeline)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import EmailStr
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.enums import AvisForm, StageStatus, StepKind, StepStatus
from models.types import UTCDateTime


class AtelierBase(SQLModel):
    slug: str = Field(index=True, unique=True, max_length=80)
    title: str = Field(max_length=300)
    commanditaire: str = Field(max_length=300)
    question: str
    avis_form: AvisForm
    template_key: str = Field(max_length=80)
    decision_date: date
    target_avis_date: date
    # Practical details the invitations carry; None until the team knows them.
    venue: str | None = None
    # Its département ("75", "2A", "974"): public and school holidays depend on it.
    venue_departement: str | None = Field(default=None, max_length=3)
    venue_access: str | None = None  # how to get there (transport, entrance)
    day_phone: str | None = Field(default=None, max_length=40)  # reachable on the weekend days
    hotel: str | None = None
    online_meeting_url: str | None = None
    copil_meeting_place: str | None = None
    indemnisation_per_day_eur: int | None = None


class Atelier(AtelierBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Where the engine last left this atelier (for the dashboard and the flows' names).
    current_stage_key: str | None = None
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When an engine last advanced it: the daily check skips what another engine just did.
    advanced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Last assessment of the timeline, so that a change of risk is noticed once.
    risk: str = "on_track"
    forecast_avis_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The team's emergency brake: nothing of this atelier is sent while set.
    sending_suspended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Since when advancing it fails, and why (the error's type, nothing personal): shown to the team
    # (its page, the portfolio, /sante) until an advance succeeds again.
    stuck_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stuck_cause: str | None = Field(default=None, max_length=120)


class AtelierPublic(AtelierBase):
    id: int
    created_at: datetime
    current_stage_key: str | None


class Stage(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("atelier_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    key: str = Field(max_length=80)
    name: str
    position: int
    status: StageStatus = StageStatus.PENDING
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Step(SQLModel, table=True):
    """One item of the checklist, with its planned, forecast and actual dates side by side."""

    __table_args__ = (UniqueConstraint("atelier_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    key: str = Field(max_length=80)
    name: str
    kind: StepKind
    position: int
    depends_on: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: StepStatus = StepStatus.PENDING
    planned_start: datetime = Field(sa_type=UTCDateTime)
    planned_end: datetime = Field(sa_type=UTCDateTime)
    forecast_start: datetime = Field(sa_type=UTCDateTime)
    forecast_end: datetime = Field(sa_type=UTCDateTime)
    actual_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Bumped whenever the forecast of an event (weekend, session, meeting) moves, so that
    # calendar invites get a higher SEQUENCE and reminders a new outbox key.
    revision: int = 0
    # When that revision was made: a change is announced once the forecast has settled.
    moved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Where the team moved the event (its new start): the forecast keeps it there.
    rescheduled_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Where what the step produced is published (the avis, the commanditaire's answer).
    public_url: str | None = Field(default=None, max_length=500)
    on_critical_path: bool = False


class PersonBase(SQLModel):
    full_name: str = Field(max_length=200)
    email: EmailStr = Field(max_length=320)
    organisation: str | None = Field(default=None, max_length=200)


class Person(PersonBase, table=True):
    """A person, unique by e-mail address across ateliers."""

    id: int | None = Field(default=None, primary_key=True)
    email: EmailStr = Field(max_length=320, unique=True, index=True)


class PersonCreate(PersonBase):
    pass


class Membership(SQLModel, table=True):
    """A person's role in an atelier (a person may hold several roles)."""

    __table_args__ = (UniqueConstraint("atelier_id", "person_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=40)
    added_at: datetime = Field(sa_type=UTCDateTime)
