"""What the message planner reads and writes (``notifications.planner``): the atelier as it sees
it — its people with their roles and answers, its steps, its gates — and the messages it plans.
Plain data: ``notifications.snapshot`` fills them from the database, the tests by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from atelier.planning.french_calendar import VenueCalendar
from atelier.planning.template import ProcessTemplate
from models.enums import Answer, DecisionOutcome, GateStatus, QuorumRule, Role, StepKind, StepStatus


@dataclass(frozen=True)
class PersonView:
    id: int
    email: str
    full_name: str
    roles: frozenset[Role]
    answer: Answer | None = None
    selected_at: datetime | None = None  # drawn by lot (or approved as a replacement) at
    evaluated: bool = False  # answered the evaluation survey
    left_committee: bool = False  # had a seat on the comité de suivi and left it
    added_at: tuple[tuple[Role, datetime], ...] = ()  # when each role was given
    is_admin: bool = False  # administers the workspace: sees every atelier without invitation


@dataclass(frozen=True)
class StepView:
    key: str
    name: str
    stage: str
    kind: StepKind
    status: StepStatus
    start: datetime  # forecast
    end: datetime
    revision: int
    actual_end: datetime | None
    moved_at: datetime | None = None  # when ``revision`` was made
    public_url: str | None = None  # where its result is published


@dataclass(frozen=True)
class GateView:
    key: str
    name: str
    step_key: str
    status: GateStatus
    round: int
    opened_at: datetime | None
    due_at: datetime
    quorum_rule: QuorumRule
    quorum_n: int | None
    member_ids: tuple[int, ...]
    decisions: dict[int, DecisionOutcome] = field(default_factory=dict)  # this round
    comments: dict[int, str] = field(default_factory=dict)  # this round, by member
    closed_at: datetime | None = None
    revision_note: str | None = None  # what the team changed after a send back
    revised: bool = False
    documents: tuple[str, ...] = ()  # file names of the documents of this round


@dataclass(frozen=True)
class AtelierSnapshot:
    id: int
    slug: str
    template: ProcessTemplate
    people: tuple[PersonView, ...]
    steps: dict[str, StepView]
    gates: dict[str, GateView]
    risk: str
    forecast_avis_at: datetime | None
    # The venue's working days (public holidays depend on its département): reminders fall on them.
    calendar: VenueCalendar = field(default_factory=lambda: VenueCalendar(None))


@dataclass(frozen=True)
class PlannedMessage:
    key: str  # unique: recipient × kind × event revision (× round, × reminder number)
    rule: str
    kind: str
    recipient_id: int | None  # None: the project team
    due_at: datetime
    step_key: str | None = None
    gate_key: str | None = None
    round: int | None = None
    revision: int | None = None
    cancel: bool = False
    days_before: int | None = None
    # A reminder whose time passed long ago is pointless; a one-off message still goes out late.
    reminder: bool = False
    refers_to: str | None = None
