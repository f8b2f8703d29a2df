"""The state of delivery as a whole (one row): when it started failing, and whether the team knows."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class DeliveryState(SQLModel, table=True):
    """Shared by every dispatcher: an outage is announced once, and its end once."""

    __tablename__ = "delivery_state"

    id: int = Field(default=1, primary_key=True)
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failures: int = 0
    last_error: str | None = Field(default=None, max_length=300)
    alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    given_up: int = 0  # messages given up while the outage was announced (reported at recovery)
