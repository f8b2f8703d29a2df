"""Messages to the volunteers of the pool, who are not people of the atelier: told, kindly,
that they were not drawn (and whether they are on the reserve list), then thanked when the
recruitment closes. Planned from the lottery's state like every message; the unique key makes
each one once only, whichever engine queues it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from atelier.config import Settings
from atelier.i18n import percent
from atelier.panel.report import probabilities_of
from atelier.planning.template import template_of
from models import Atelier, OutboxMessage, PanelLottery, Step, Volunteer
from models.enums import StepStatus, VolunteerStatus
from models.types import pk
from notifications.compose import address_line, message_id_for, privacy_notice
from notifications.rendering import render_message

NOT_DRAWN = (VolunteerStatus.RESERVE, VolunteerStatus.NOT_SELECTED, VolunteerStatus.SET_ASIDE)


@dataclass(frozen=True)
class VolunteerMessage:
    key: str
    kind: str
    volunteer_id: int
    due_at: datetime


def plan_volunteer_messages(
    volunteers: list[tuple[int, VolunteerStatus]], *, drawn_at: datetime | None, closed_at: datetime | None
) -> list[VolunteerMessage]:
    """Pure: the « not drawn » notice at the draw, the thanks when the recruitment is done, to
    everyone who did not become a citizen."""
    planned = []
    for volunteer_id, status in volunteers:
        if drawn_at is not None and status in NOT_DRAWN:
            key = f"v{volunteer_id}|panel_not_selected"
            planned.append(VolunteerMessage(key, "panel_not_selected", volunteer_id, drawn_at))
        if closed_at is not None and drawn_at is not None and status is not VolunteerStatus.SELECTED:
            key = f"v{volunteer_id}|panel_pool_thanks"
            planned.append(VolunteerMessage(key, "panel_pool_thanks", volunteer_id, closed_at))
    return planned


def sync_volunteer_messages(*, session: Session, atelier: Atelier, settings: Settings, now: datetime) -> int:
    """Queue the planned volunteer messages not yet in the outbox; returns how many."""
    spec = template_of(atelier).recruitment
    lottery = session.exec(select(PanelLottery).where(PanelLottery.atelier_id == pk(atelier))).first()
    if spec is None or lottery is None or lottery.drawn_at is None:
        return 0
    step = session.exec(select(Step).where(Step.atelier_id == pk(atelier), Step.key == spec.step)).one()
    closed_at = step.actual_end if step.status is StepStatus.DONE else None
    volunteers = {
        pk(v): v for v in session.exec(select(Volunteer).where(Volunteer.atelier_id == pk(atelier))).all()
    }
    planned = plan_volunteer_messages(
        [(i, v.status) for i, v in volunteers.items()], drawn_at=lottery.drawn_at, closed_at=closed_at
    )
    kinds = ["panel_not_selected", "panel_pool_thanks"]
    existing = set(
        session.exec(
            select(OutboxMessage.key).where(
                OutboxMessage.atelier_id == pk(atelier), col(OutboxMessage.kind).in_(kinds)
            )
        ).all()
    )
    base: dict[str, Any] = {
        "atelier": {"title": atelier.title, "commanditaire": atelier.commanditaire, "slug": atelier.slug},
        "team": {"name": settings.mail_from_name, "email": settings.team_email},
        "privacy": {"text": privacy_notice(settings)},
        "pool_size": sum(1 for v in volunteers.values() if v.status is not VolunteerStatus.SET_ASIDE),
        "panel_size": lottery.size,
    }
    # Each volunteer's chance, as published before the draw (set-aside ones were not in it).
    chances = probabilities_of(json.loads(lottery.publication)) if lottery.publication else {}
    queued = 0
    for message in planned:
        if message.key in existing:
            continue
        volunteer = volunteers[message.volunteer_id]
        context = {
            **base,
            "person": {"full_name": volunteer.full_name},
            "reserve": volunteer.status is VolunteerStatus.RESERVE,
            "reference": volunteer.reference,
            "chance": percent(chances.get(volunteer.reference, 0.0), 2),
            "set_aside": volunteer.status is VolunteerStatus.SET_ASIDE,
        }
        rendered = render_message(message.kind, context)
        session.add(
            OutboxMessage(
                atelier_id=pk(atelier),
                key=message.key,
                kind=message.kind,
                person_id=None,
                recipient=address_line(volunteer.full_name, volunteer.email),
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                context={"volunteer": volunteer.reference},
                message_id=message_id_for(message.key, settings),
                due_at=message.due_at,
                created_at=now,
            )
        )
        queued += 1
    return queued
