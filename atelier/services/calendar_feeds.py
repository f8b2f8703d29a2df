"""The calendar feed of a workspace account: a secret address its calendar subscribes to, with
the events of every atelier it reads; a new address revokes the previous one."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import Session, select

from atelier.config import Settings
from atelier.planning.timeline import EVENT_KINDS
from atelier.services.accounts import SignedIn, revoke_feeds, token_hash, visible_ateliers
from atelier.services.events import person_actor, record_event
from atelier.services.timeline import steps_of
from models import Account, CalendarFeed
from models.enums import StepKind, StepStatus
from notifications.calendar_invite import FeedEvent, build_feed
from notifications.compose import event_uid


def new_feed(*, session: Session, user: SignedIn, now: datetime) -> str:
    """A new secret address (shown once: only its hash is kept); the previous one stops working."""
    revoke_feeds(session=session, account_id=user.account_id, now=now)
    token = secrets.token_urlsafe(32)
    session.add(CalendarFeed(account_id=user.account_id, token_hash=token_hash(token), created_at=now))
    record_event(
        session=session,
        atelier_id=None,
        actor=person_actor(user.person_id),
        kind="calendar_feed_created",
        at=now,
    )
    return token


def feed_calendar(*, session: Session, token: str, settings: Settings, now: datetime) -> bytes | None:
    """The subscribed calendar, or None for an unknown or revoked address."""
    if len(token) > 100:
        return None
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token))).first()
    account = session.get(Account, feed.account_id) if feed is not None else None
    if feed is None or feed.revoked_at is not None or account is None or account.disabled_at is not None:
        return None
    events = []
    for atelier in visible_ateliers(session=session, user=account):
        for step in steps_of(session=session, atelier=atelier):
            if step.kind in EVENT_KINDS:
                events.append(
                    FeedEvent(
                        uid="feed." + event_uid(atelier, step.key, settings),
                        sequence=step.revision,
                        summary=f"{step.name} — {atelier.title}",
                        location=(atelier.venue or "") if step.kind is StepKind.WEEKEND else "",
                        start=step.forecast_start,
                        end=step.forecast_end,
                        cancelled=step.status is StepStatus.CANCELLED,
                    )
                )
    return build_feed("Ateliers citoyens", events, stamp=now)
