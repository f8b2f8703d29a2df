"""SQLModel tables of the engine; importing this package registers them all."""

from models.account import Account, CalendarFeed, WebSession
from models.atelier import (
    Atelier,
    AtelierBase,
    AtelierPublic,
    Membership,
    Person,
    PersonBase,
    PersonCreate,
    Stage,
    Step,
)
from models.avis import (
    AnswerMark,
    AvisProposal,
    AvisVersion,
    CommitteeSeat,
    FollowUpStop,
    ProposalAnswer,
    ProposalUpdate,
)
from models.delivery import DeliveryState
from models.evaluation import EvaluationResponse
from models.event import Event
from models.gate import Decision, Gate, GateDocument, GateMember
from models.outbox import InvitationAnswer, OutboxMessage, UsedLink
from models.panel import PanelLottery, PanelQuota, PanelReplacement, Volunteer
from models.process import ProcessBeat

__all__ = [
    "Account",
    "AnswerMark",
    "Atelier",
    "AtelierBase",
    "AtelierPublic",
    "AvisProposal",
    "AvisVersion",
    "CalendarFeed",
    "CommitteeSeat",
    "Decision",
    "DeliveryState",
    "EvaluationResponse",
    "Event",
    "FollowUpStop",
    "Gate",
    "GateDocument",
    "GateMember",
    "InvitationAnswer",
    "Membership",
    "OutboxMessage",
    "PanelLottery",
    "PanelQuota",
    "PanelReplacement",
    "Person",
    "PersonBase",
    "PersonCreate",
    "ProcessBeat",
    "ProposalAnswer",
    "ProposalUpdate",
    "Stage",
    "Step",
    "UsedLink",
    "Volunteer",
    "WebSession",
]
