"""Recruitment by lot: the pool of volunteers, the quotas, the sealed draw and its replacements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.enums import ReplacementStatus, VolunteerStatus
from models.types import UTCDateTime


class Volunteer(SQLModel, table=True):
    """One registration of the pool. ``reference`` (V0001…) is what the publication shows."""

    __table_args__ = (
        UniqueConstraint("atelier_id", "reference"),
        UniqueConstraint("atelier_id", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    reference: str = Field(max_length=20)
    full_name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    # The postal address, normalised: two registrations with the same one are one household.
    household: str | None = Field(default=None, max_length=400)
    features: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    registered_at: datetime = Field(sa_type=UTCDateTime)
    status: VolunteerStatus = VolunteerStatus.POOL
    reserve_rank: int | None = None  # 1 = first called
    # Once selected, the citizen the invitations and answers go through.
    person_id: int | None = Field(default=None, foreign_key="person.id")
    selected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PanelQuota(SQLModel, table=True):
    """Minimum and maximum of the panel for one value of one criterion."""

    __tablename__ = "panel_quota"
    __table_args__ = (UniqueConstraint("atelier_id", "category", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    position: int
    category: str = Field(max_length=100)
    value: str = Field(max_length=200)
    min: int
    max: int


class PanelLottery(SQLModel, table=True):
    """The atelier's lottery: its settings, then its seal (the commitment published before the
    seed is known), then its draw."""

    __tablename__ = "panel_lottery"

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", unique=True)
    one_per_household: bool = True
    auto_approve_replacements: bool = False
    quotas_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    size: int | None = None
    algorithm: str | None = Field(default=None, max_length=40)
    sealed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    commitment: str | None = Field(default=None, max_length=64)
    # What was published before the draw (pseudonymous pool, quotas, distribution), as JSON text:
    # the draw and anyone's verification are computed from it alone.
    publication: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    seed: str | None = Field(default=None, max_length=200)
    drawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    composition: int | None = None
    # The seal runs off the request path, as a flow run of its own (``flows/sealing.py``): asked
    # for here, claimed by one run (``seal_started_at``, its token), followed through its beats.
    seal_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seal_requested_by: str | None = Field(default=None, max_length=80)
    seal_max_seconds: float | None = None
    seal_run: str | None = Field(default=None, max_length=40)  # the claim: the run's id
    seal_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    seal_beat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The search's last progress (JSON: rounds, minimum, bound, seconds), for the page.
    seal_progress: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Why the last seal asked for did not complete (French, for the team).
    seal_failure: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class PanelReplacement(SQLModel, table=True):
    """A selected citizen who dropped out, and who the engine proposes in their place."""

    __tablename__ = "panel_replacement"
    __table_args__ = (UniqueConstraint("atelier_id", "dropped_id"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    dropped_id: int = Field(foreign_key="volunteer.id")
    replacement_id: int | None = Field(default=None, foreign_key="volunteer.id")
    reason: str = Field(max_length=40)  # declined | no_answer
    method: str = Field(max_length=40)  # reserve | resolved | none
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: ReplacementStatus = ReplacementStatus.PROPOSED
    proposed_at: datetime = Field(sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=80)
