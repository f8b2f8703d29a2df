"""SQLModel tables of the engine; importing this package registers them all."""

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
from models.event import Event
from models.gate import Decision, Gate, GateMember

__all__ = [
    "Atelier",
    "AtelierBase",
    "AtelierPublic",
    "Decision",
    "Event",
    "Gate",
    "GateMember",
    "Membership",
    "Person",
    "PersonBase",
    "PersonCreate",
    "Stage",
    "Step",
]
