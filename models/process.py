"""The processes at work (engines, dispatchers): each writes when it was last seen, so that the
web's /sante can tell an operator that no dispatcher is running, whichever machine they are on."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class ProcessBeat(SQLModel, table=True):
    __tablename__ = "process_beat"

    name: str = Field(primary_key=True, max_length=200)  # role:host:pid
    role: str = Field(max_length=20, index=True)  # "engine", "dispatch"
    started_at: datetime = Field(sa_type=UTCDateTime)
    seen_at: datetime = Field(sa_type=UTCDateTime)
