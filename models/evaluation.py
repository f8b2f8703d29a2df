"""The answers to the evaluation survey of the démarche (one row per person and atelier). Answering
again replaces the previous answers; the comment stays with the team, only counts are published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class EvaluationResponse(SQLModel, table=True):
    __tablename__ = "evaluation_response"
    __table_args__ = (UniqueConstraint("atelier_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int = Field(foreign_key="atelier.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    # The question key → the index of the choice, for the questions the person answered.
    answers: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime = Field(sa_type=UTCDateTime)
