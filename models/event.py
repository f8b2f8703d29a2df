"""The append-only event log: who did what, when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    atelier_id: int | None = Field(default=None, foreign_key="atelier.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=200)  # "person:<id>", "team", "engine", "cli"
    kind: str = Field(max_length=80, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
