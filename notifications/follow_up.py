"""The follow-up digest: what changed in the answers to the avis and in their carrying out,
told to each citizen at most once a week, never one e-mail per change; and, once the answers
are first published, each citizen's invitation to mark them.

Weeks are counted from the first thing there is to follow (the answers' first publication, or
an earlier update): week k's digest holds what happened in it and is queued once it is over,
with a unique key per citizen and week, so that whichever engine runs, it goes once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from atelier.avis.sheets import STATUS_LABELS
from atelier.config import Settings
from atelier.i18n import long_date
from atelier.links import LinkSigner
from atelier.services.avis import current_avis, proposals_of
from atelier.services.follow_up import DIGEST_KIND, STATE_LABELS, stopped_people, updates_of
from atelier.services.people import people_with_role
from models import Atelier, OutboxMessage, Person, ProposalAnswer
from models.enums import Role
from models.types import pk
from notifications.compose import address_line, message_id_for, privacy_notice
from notifications.rendering import render_message

WEEK = timedelta(days=7)
MARKS_KIND = "marks_request"


@dataclass(frozen=True)
class Change:
    at: datetime
    number: int
    lines: tuple[str, ...]  # what the citizen reads about it


def digest_weeks(changes: list[Change], start: datetime | None) -> dict[int, list[Change]]:
    """Pure: the changes grouped by week counted from ``start`` (week 0 begins at it)."""
    weeks: dict[int, list[Change]] = {}
    if start is None:
        return weeks
    for change in sorted(changes, key=lambda c: c.at):
        weeks.setdefault(int((change.at - start) / WEEK), []).append(change)
    return weeks


def _changes(session: Session, atelier: Atelier) -> tuple[list[Change], datetime | None]:
    """Every change after the first publication (a status changed, an update), and the start."""
    published = session.exec(
        select(ProposalAnswer)
        .where(ProposalAnswer.atelier_id == pk(atelier), col(ProposalAnswer.published_at).is_not(None))
        .order_by(col(ProposalAnswer.published_at), col(ProposalAnswer.id))
    ).all()
    updates = updates_of(session=session, atelier=atelier)
    moments = [a.published_at for a in published if a.published_at] + [u.recorded_at for u in updates]
    start = min(moments) if moments else None
    changes: list[Change] = []
    previous: dict[int, ProposalAnswer] = {}
    for answer in published:
        before = previous.get(answer.number)
        previous[answer.number] = answer
        if before is None or before.status is answer.status or answer.published_at is None:
            continue  # the first answer was told with the publication notice; same status, no news
        lines = [f"réponse : « {STATUS_LABELS[before.status]} » devient « {STATUS_LABELS[answer.status]} »"]
        if answer.reason:
            lines.append(f"motif : {answer.reason}")
        changes.append(Change(answer.published_at, answer.number, tuple(lines)))
    for update in updates:
        lines = [f"point d'étape ({STATE_LABELS[update.state]}) : {update.text}"]
        if update.evidence_url:
            lines.append(f"pour en savoir plus : {update.evidence_url}")
        changes.append(Change(update.recorded_at, update.number, tuple(lines)))
    return changes, start


def _base(atelier: Atelier, settings: Settings, person: Person, links: dict[str, str]) -> dict[str, Any]:
    return {
        "atelier": {"title": atelier.title, "commanditaire": atelier.commanditaire, "slug": atelier.slug},
        "team": {"name": settings.mail_from_name, "email": settings.team_email},
        "privacy": {"text": privacy_notice(settings)},
        "person": {"full_name": person.full_name},
        "links": {"public": f"{settings.public_base_url.rstrip('/')}/public/{atelier.slug}", **links},
    }


def _queue(session: Session, atelier: Atelier, settings: Settings, person: Person, *, key: str, kind: str,
           context: dict[str, Any], due: datetime, now: datetime, note: dict[str, Any]) -> None:  # fmt: skip
    rendered = render_message(kind, context)
    session.add(
        OutboxMessage(
            atelier_id=pk(atelier),
            key=key,
            kind=kind,
            person_id=pk(person),
            recipient=address_line(person.full_name, person.email),
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            context=note,
            message_id=message_id_for(key, settings),
            due_at=due,
            created_at=now,
        )
    )


def sync_follow_up_messages(
    *, session: Session, atelier: Atelier, settings: Settings, signer: LinkSigner, now: datetime
) -> int:
    """Queue each citizen's invitation to mark the answers, and their digest of every week that
    is over; returns how many were queued."""
    stopped = stopped_people(session=session, atelier=atelier)
    citizens = [
        p
        for p in people_with_role(session=session, atelier=atelier, role=Role.CITIZEN)
        if pk(p) not in stopped
    ]
    kinds = [DIGEST_KIND, MARKS_KIND]
    existing = set(
        session.exec(
            select(OutboxMessage.key).where(
                OutboxMessage.atelier_id == pk(atelier), col(OutboxMessage.kind).in_(kinds)
            )
        ).all()
    )
    queued = _marks_requests(session, atelier, settings, signer, citizens, existing, now)
    changes, start = _changes(session, atelier)
    weeks = digest_weeks(changes, start)
    if start is None or not weeks:
        return queued
    avis = current_avis(session=session, atelier=atelier)
    titles = {p.number: p.title for p in proposals_of(session=session, version=avis)} if avis else {}
    for week, items in sorted(weeks.items()):
        due = start + (week + 1) * WEEK
        if due > now:
            continue  # the week is not over: more may come
        for person in citizens:
            key = f"a{pk(atelier)}|p{pk(person)}|{DIGEST_KIND}|{week}"
            if key in existing:
                continue
            stop = signer.follow_up_stop_url(atelier=atelier.slug, person_id=pk(person), now=now)
            context = _base(atelier, settings, person, {"stop": stop}) | {
                "week_start_long": long_date(start + week * WEEK),
                "changes": [
                    {"number": c.number, "title": titles.get(c.number, ""), "lines": list(c.lines)}
                    for c in items
                ],
            }
            _queue(session, atelier, settings, person, key=key, kind=DIGEST_KIND, context=context, due=due,
                   now=now, note={"week": week, "changes": len(items)})  # fmt: skip
            queued += 1
    return queued


def _marks_requests(session: Session, atelier: Atelier, settings: Settings, signer: LinkSigner,
                    citizens: list[Person], existing: set[str], now: datetime) -> int:  # fmt: skip
    """Once the answers are first published, each citizen is asked to mark them, once."""
    first = session.exec(
        select(ProposalAnswer.published_at)
        .where(ProposalAnswer.atelier_id == pk(atelier), col(ProposalAnswer.published_at).is_not(None))
        .order_by(col(ProposalAnswer.published_at))
    ).first()
    if first is None:
        return 0
    queued = 0
    for person in citizens:
        key = f"a{pk(atelier)}|p{pk(person)}|{MARKS_KIND}"
        if key in existing:
            continue
        links = {
            "marks": signer.marks_url(atelier=atelier.slug, person_id=pk(person), now=now),
            "stop": signer.follow_up_stop_url(atelier=atelier.slug, person_id=pk(person), now=now),
        }
        _queue(session, atelier, settings, person, key=key, kind=MARKS_KIND,
               context=_base(atelier, settings, person, links), due=first, now=now, note={})  # fmt: skip
        queued += 1
    return queued
