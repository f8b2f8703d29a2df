"""The atelier's transparency report: the lottery as published, its draw, and the panel after
replacements — what the team publishes and COPIL n°3 may read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from atelier.errors import Refused
from atelier.panel.report import Report, build_report
from atelier.services.recruitment import find_lottery, published_of, volunteers_of
from models import Atelier
from models.enums import VolunteerStatus


@dataclass(frozen=True)
class Publication:
    published: dict[str, Any]  # what the draw is re-run from
    report: Report


def publication_of(*, session: Session, atelier: Atelier) -> Publication:
    """Refused before the seal: there is nothing to publish yet."""
    lottery = find_lottery(session=session, atelier=atelier)
    if lottery is None or lottery.commitment is None:
        raise Refused("le tirage n'est pas encore scellé : pas de rapport à publier", "lottery not sealed")
    final = None
    if lottery.drawn_at is not None:
        final = [
            v.reference
            for v in volunteers_of(session=session, atelier=atelier, status=VolunteerStatus.SELECTED)
        ]
    published = published_of(lottery)
    return Publication(published, build_report(published, lottery.commitment, lottery.seed, final))
