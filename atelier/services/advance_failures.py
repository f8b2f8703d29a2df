"""An atelier that cannot advance is shown, not only logged: since when and why on the atelier (its
page and the portfolio show it, /sante and the metrics count it), one alert to the team per cause,
cleared by the next advance that succeeds."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from atelier.config import Settings
from atelier.i18n import long_datetime
from atelier.services.events import record_event
from models import Atelier
from models.types import pk
from notifications.outbox import queue_team_alert

ALERT_KIND = "team_advance_failed"


def record_advance_failure(
    *, session: Session, slug: str, error: BaseException, settings: Settings, now: datetime
) -> None:
    """Note that advancing ``slug`` failed; a new cause (or the first) alerts the team once."""
    atelier = session.exec(select(Atelier).where(Atelier.slug == slug)).first()
    cause = type(error).__name__
    if atelier is None or (atelier.stuck_since is not None and atelier.stuck_cause == cause):
        return
    atelier.stuck_since, atelier.stuck_cause = now, cause
    session.add(atelier)
    record_event(
        session=session, atelier_id=pk(atelier), actor="engine", kind="advance_failed", at=now, cause=cause
    )
    key = f"team|a{pk(atelier)}|{ALERT_KIND}|{cause}|{now.isoformat()}"
    queue_team_alert(
        session=session, atelier_id=pk(atelier), key=key, kind=ALERT_KIND, settings=settings, now=now,
        subject_context={
            "atelier": {"title": atelier.title, "slug": atelier.slug, "commanditaire": atelier.commanditaire},
            "team": {"name": settings.mail_from_name, "email": settings.team_email},
            "failure": {"since_long": long_datetime(now), "cause": cause},
            "links": {"atelier": f"{settings.public_base_url}/espace/{atelier.slug}"},
        },
    )  # fmt: skip


def clear_advance_failure(*, session: Session, slug: str, now: datetime) -> None:
    """An advance succeeded: the atelier is no longer shown as stuck."""
    atelier = session.exec(select(Atelier).where(Atelier.slug == slug)).first()
    if atelier is None or atelier.stuck_since is None:
        return
    atelier.stuck_since, atelier.stuck_cause = None, None
    session.add(atelier)
    record_event(session=session, atelier_id=pk(atelier), actor="engine", kind="advance_recovered", at=now)


def stuck_ateliers(*, session: Session) -> int:
    return session.exec(select(func.count()).where(col(Atelier.stuck_since).is_not(None))).one()
