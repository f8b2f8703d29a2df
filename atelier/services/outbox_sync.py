"""Queuing what an atelier's message rules call for: the plan computed from the atelier's state
(``notifications/planner.py``), written to the outbox; pending messages the plan no longer wants are
cancelled. The dispatcher sends what is queued."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select as sql_select
from sqlalchemy import update
from sqlmodel import Session, col

from atelier.config import Settings
from atelier.i18n import long_date
from atelier.links import LinkSigner
from atelier.services.people import people_with_role
from atelier.services.timeline import current_timeline
from models import Atelier, OutboxMessage
from models.enums import OutboxStatus, Role
from models.types import pk
from notifications.compose import Recipient, compose, person_recipient
from notifications.plan_views import PlannedMessage
from notifications.planner import plan_messages
from notifications.snapshot import load_snapshot

log = logging.getLogger("atelier.outbox")

# A reminder whose time passed more than this long ago is not queued late (unless its rule
# catches up): it would only confuse. One-off messages (invitations, requests) still go.
LATE_GRACE = timedelta(hours=6)


def team_recipients(*, session: Session, atelier: Atelier, settings: Settings) -> list[Recipient]:
    team = people_with_role(session=session, atelier=atelier, role=Role.PROJECT_TEAM)
    if team:
        return [Recipient(pk(p), p.email, p.full_name, frozenset({Role.PROJECT_TEAM})) for p in team]
    return [Recipient(None, settings.team_email, "Équipe projet", frozenset({Role.PROJECT_TEAM}))]


@dataclass(frozen=True)
class SyncReport:
    queued: int
    cancelled: int


def _risk_extra(*, session: Session, atelier: Atelier, now: datetime) -> dict[str, Any]:
    timeline = current_timeline(session=session, atelier=atelier, now=now)
    return {
        "risk": {
            "target_long": long_date(timeline.target_avis_date),
            "forecast_long": long_date(timeline.avis_end),
            "slack_days": timeline.slack_days,
            "reasons": timeline.reasons,
        }
    }


# Marks (in ``context``) a planned message that could not be written; it is written again, in place,
# once it can (the team corrected the address), and not resent as it is.
UNWRITTEN = "unwritten"
REWRITTEN = (
    "recipient",
    "message_id",
    "subject",
    "body_text",
    "body_html",
    "ics",
    "ics_method",
    "context",
    "due_at",
)


def _unwritten(
    message: PlannedMessage, *, atelier_id: int, recipient: Recipient, now: datetime, error: Exception
) -> OutboxMessage:
    """A failed outbox row for a message that could not be written: the team sees it under « En
    échec », with the reason in French; the rest of the atelier's messages go."""
    reason = (
        f"ce message n'a pas pu être rédigé pour « {recipient.email} » ({type(error).__name__}) : "
        "corrigez l'adresse ou les coordonnées de la personne, il sera rédigé à nouveau"
    )
    return OutboxMessage(
        atelier_id=atelier_id, key=message.key, kind=message.kind, person_id=recipient.person_id,
        recipient=recipient.email, subject=f"Message non rédigé ({message.kind})", body_text="", body_html="",
        context={"rule": message.rule, "step": message.step_key, UNWRITTEN: type(error).__name__},
        message_id=f"<unwritten.{message.key}@atelier>", status=OutboxStatus.FAILED,
        due_at=message.due_at, created_at=now, last_error=reason,
    )  # fmt: skip


def sync_outbox(
    *, session: Session, atelier: Atelier, settings: Settings, signer: LinkSigner, now: datetime
) -> SyncReport:
    """Queue what the plan calls for and cancel pending messages it no longer wants."""
    snapshot = load_snapshot(session=session, atelier=atelier)
    planned = plan_messages(snapshot, now)
    people = {p.id: p for p in snapshot.people}
    rules = {r.key: r for r in snapshot.template.messages}
    wanted: dict[str, tuple[PlannedMessage, Recipient]] = {}
    team: list[Recipient] | None = None  # read once, when a message is for the team
    for message in planned:
        if message.recipient_id is not None:
            wanted[message.key] = (message, person_recipient(people[message.recipient_id]))
        else:
            if team is None:
                team = team_recipients(session=session, atelier=atelier, settings=settings)
            for index, member in enumerate(team):
                key = message.key if index == 0 else f"{message.key}|t{index}"
                wanted[key] = (PlannedMessage(**{**message.__dict__, "key": key}), member)
    # The rows as the comparison needs them, not whole (their bodies and invites stay in the database).
    t = OutboxMessage
    columns = (t.id, t.key, t.status, t.context, t.person_id, t.ics_method)
    query = sql_select(*(col(c) for c in columns)).where(col(t.atelier_id) == snapshot.id)
    existing = {row.key: row for row in session.execute(query).all()}
    unwanted = [
        row.id
        for key, row in existing.items()
        if row.context.get("rule") in rules
        and key not in wanted
        and OutboxStatus(row.status) is OutboxStatus.PENDING
    ]
    if unwanted:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(unwanted))
            .values(status=OutboxStatus.CANCELLED, cancelled_at=now)
        )
    cancelled = len(unwanted)
    # Who already holds an invitation to which event (sent, not merely queued): their next
    # message about it is a change; for anyone else it is a first invitation, and a cancellation
    # is pointless (nothing to remove from their calendar).
    invited = {
        (row.person_id, row.context.get("step"))
        for row in existing.values()
        if OutboxStatus(row.status) is OutboxStatus.SENT and row.ics_method == "REQUEST"
    }
    queued = 0
    extra: dict[str, Any] | None = None
    for key, (message, recipient) in wanted.items():
        unwritten = key in existing and existing[key].context.get(UNWRITTEN) is not None
        if key in existing and not (unwritten and OutboxStatus(existing[key].status) is OutboxStatus.FAILED):
            continue
        received_earlier = (recipient.person_id, message.step_key) in invited
        if message.cancel and not received_earlier:
            continue
        rule = rules[message.rule]
        if message.reminder and message.due_at < now - LATE_GRACE and not rule.catch_up:
            continue
        if message.kind == "team_risk_alert" and extra is None:
            extra = _risk_extra(session=session, atelier=atelier, now=now)
        try:
            row = compose(
                message,
                atelier=atelier,
                snapshot=snapshot,
                recipient=recipient,
                settings=settings,
                signer=signer,
                now=now,
                extra=extra if message.kind == "team_risk_alert" else None,
                received_earlier=received_earlier,
            )
        except Exception as error:  # one message that cannot be written fails alone
            if unwritten:
                continue  # still failing, already shown under « En échec »
            log.warning(
                "message %s of atelier %s could not be written: %s", message.kind, snapshot.id,
                type(error).__name__,
            )  # fmt: skip
            row = _unwritten(message, atelier_id=snapshot.id, recipient=recipient, now=now, error=error)
        if unwritten:
            # Written at last (the address was corrected): the failed row becomes this message.
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == existing[key].id)
                .values(
                    **{f: getattr(row, f) for f in REWRITTEN}, status=OutboxStatus.PENDING, last_error=None
                )
            )
        else:
            session.add(row)
        queued += 1
    session.flush()
    if queued or cancelled:
        log.info("outbox sync atelier=%s queued=%d cancelled=%d", snapshot.id, queued, cancelled)
    return SyncReport(queued, cancelled)
