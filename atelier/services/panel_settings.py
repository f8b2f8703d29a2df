"""The recruitment's two settings: one person per household, and replacements approved by the
engine without waiting for the team."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from atelier.errors import Refused
from atelier.services.events import record_event
from atelier.services.recruitment import lottery_of, not_sealed, volunteers_of
from atelier.services.replacements import approve_replacement, replacements_of
from models import Atelier, PanelLottery
from models.enums import ReplacementStatus, VolunteerStatus
from models.types import pk


def _apply_household_rule(*, session: Session, atelier: Atelier, one_per_household: bool) -> int:
    """Set aside every registration after the first of its household, or bring them all back;
    returns how many volunteers changed."""
    changed, seen = 0, set()
    for volunteer in volunteers_of(session=session, atelier=atelier):  # in order of registration
        if volunteer.status not in (VolunteerStatus.POOL, VolunteerStatus.SET_ASIDE):
            continue
        wanted = VolunteerStatus.POOL
        if one_per_household and volunteer.household:
            if volunteer.household in seen:
                wanted = VolunteerStatus.SET_ASIDE
            seen.add(volunteer.household)
        if volunteer.status is not wanted:
            volunteer.status = wanted
            session.add(volunteer)
            changed += 1
    return changed


def _approve_waiting(*, session: Session, atelier: Atelier, now: datetime, actor: str) -> None:
    for proposal in replacements_of(session=session, atelier=atelier):
        if proposal.status is ReplacementStatus.PROPOSED and proposal.replacement_id is not None:
            try:  # its checks come before any write: a refused one is left as it was
                approve_replacement(
                    session=session, atelier=atelier, replacement_id=pk(proposal), now=now, actor=actor
                )
            except Refused:
                continue


def set_panel_settings(
    *,
    session: Session,
    atelier: Atelier,
    now: datetime,
    actor: str,
    one_per_household: bool | None = None,
    auto_approve_replacements: bool | None = None,
) -> PanelLottery:
    """Change the settings given. The household rule applies to the pool already imported, so it
    cannot change once the draw is sealed."""
    lottery = lottery_of(session=session, atelier=atelier)
    if one_per_household is not None and one_per_household != lottery.one_per_household:
        not_sealed(lottery, "la règle d'une personne par foyer ne peut plus changer")
        lottery.one_per_household = one_per_household
        _apply_household_rule(session=session, atelier=atelier, one_per_household=one_per_household)
    if auto_approve_replacements is not None:
        lottery.auto_approve_replacements = auto_approve_replacements
        if auto_approve_replacements:  # what waited for the team is approved now, as the team asks
            for proposal in replacements_of(session=session, atelier=atelier):
                if proposal.status is ReplacementStatus.PROPOSED and proposal.replacement_id is not None:
                    try:  # its checks come before any write: a refused one is left as it was
                        approve_replacement(
                            session=session,
                            atelier=atelier,
                            replacement_id=pk(proposal),
                            now=now,
                            actor=actor,
                        )
                    except Refused:
                        continue
    session.add(lottery)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="panel_settings",
        at=now,
        one_per_household=lottery.one_per_household,
        auto_approve_replacements=lottery.auto_approve_replacements,
    )
    session.flush()
    return lottery
