"""The panel's composition beside its quotas: each value's minimum and maximum, how many of the
pool have it and how many of the panel (what COPIL n°1 and n°3 look at, and the public record)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from atelier.services.recruitment import quotas_of, volunteers_of
from models import Atelier
from models.enums import VolunteerStatus


@dataclass(frozen=True)
class CompositionRow:
    category: str
    value: str
    min: int
    max: int
    in_pool: int
    in_panel: int


def composition(*, session: Session, atelier: Atelier) -> list[CompositionRow]:
    """Each quota beside the pool's and the panel's counts (what COPIL n°1 and n°3 look at)."""
    pool: dict[tuple[str, str], int] = {}
    panel: dict[tuple[str, str], int] = {}
    for volunteer in volunteers_of(session=session, atelier=atelier):
        if volunteer.status is VolunteerStatus.SET_ASIDE:
            continue
        for item in volunteer.features.items():
            pool[item] = pool.get(item, 0) + 1
            if volunteer.status is VolunteerStatus.SELECTED:
                panel[item] = panel.get(item, 0) + 1
    return [
        CompositionRow(
            q.category,
            q.value,
            q.min,
            q.max,
            pool.get((q.category, q.value), 0),
            panel.get((q.category, q.value), 0),
        )
        for q in quotas_of(session=session, atelier=atelier)
    ]
