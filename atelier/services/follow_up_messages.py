"""The follow-up digest: what changed in the answers to the avis and in their carrying out,
told to each citizen at most once a week, never one e-mail per change; and, once the answers
are first published, each citizen's invitation to mark them.

Weeks are counted from the answers' first publication (follow-up steps recorded before it are
told in the first week): week k's digest holds what happened in it and is queued once it is over,
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
from atelier.planning.template import template_of
from atelier.services.avis import answer_gate_of, current_answers, current_avis, proposals_of
from atelier.services.follow_up import DIGEST_KIND, STATE_LABELS, stopped_people, updates_of
from atelier.services.outbox_sync import team_recipients
from atelier.services.people import people_with_role
from atelier.services.timeline import steps_of
from models import Atelier, OutboxMessage, Person, ProposalAnswer, ProposalUpdate
from models.enums import AnswerStatus, GateStatus, Role
from models.types import pk
from notifications.compose import Recipient, privacy_notice, public_record_url
from notifications.outbox import queue_message

WEEK = timedelta(days=7)
MARKS_KIND = "marks_request"
STALE_KIND = "team_follow_up_reminder"
LATE_KIND = "copil_answer_late"
LATE_AFTER = timedelta(days=1)  # as the team's escalation: a day past the deadline


@dataclass(frozen=True)
class Change:
    at: datetime
    number: int
    lines: tuple[str, ...]  # what the citizen reads about it
    link: str | None = None  # where to see the evidence
    remark: bool = False  # a new answer, which citizens may mark again


def digest_weeks(changes: list[Change], start: datetime | None) -> dict[int, list[Change]]:
    """Pure: the changes grouped by week counted from ``start`` (week 0 begins at it)."""
    weeks: dict[int, list[Change]] = {}
    if start is None:
        return weeks
    for change in sorted(changes, key=lambda c: c.at):
        weeks.setdefault(int((change.at - start) / WEEK), []).append(change)
    return weeks


def _changes(
    published: list[ProposalAnswer], updates: list[ProposalUpdate]
) -> tuple[list[Change], datetime | None]:
    """Every change after the first publication (a status changed, an update), and the start.
    ``published``: the published answers in the order of their publication."""
    # Nothing is told before the answers are public; steps recorded earlier count in week 0.
    start = min((a.published_at for a in published if a.published_at), default=None)
    if start is None:
        return [], None
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
        changes.append(Change(answer.published_at, answer.number, tuple(lines), remark=True))
    for update in updates:
        line = f"point d'étape ({STATE_LABELS[update.state]}) : {update.text}"
        changes.append(Change(max(update.recorded_at, start), update.number, (line,), update.evidence_url))
    return changes, start


def _base(atelier: Atelier, settings: Settings, to: Recipient, links: dict[str, str]) -> dict[str, Any]:
    """What every message of the follow-up says of the atelier, the team and its recipient."""
    return {
        "atelier": {"title": atelier.title, "commanditaire": atelier.commanditaire, "slug": atelier.slug},
        "team": {"name": settings.mail_from_name, "email": settings.team_email},
        "privacy": {"text": privacy_notice(settings)},
        "person": {"full_name": to.full_name, "is_copil": Role.COPIL_MEMBER in to.roles},
        "links": {"public": public_record_url(settings, atelier.slug), **links},
    }


def _citizen(person: Person) -> Recipient:
    return Recipient(pk(person), person.email, person.full_name, frozenset({Role.CITIZEN}))


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
    kinds = [DIGEST_KIND, MARKS_KIND, STALE_KIND, LATE_KIND]
    existing = set(
        session.exec(
            select(OutboxMessage.key).where(
                OutboxMessage.atelier_id == pk(atelier), col(OutboxMessage.kind).in_(kinds)
            )
        ).all()
    )
    # Read once for the whole pass: the engine runs this for every atelier, every few minutes.
    published = list(
        session.exec(
            select(ProposalAnswer)
            .where(ProposalAnswer.atelier_id == pk(atelier), col(ProposalAnswer.published_at).is_not(None))
            .order_by(col(ProposalAnswer.published_at), col(ProposalAnswer.id))
        ).all()
    )
    updates = updates_of(session=session, atelier=atelier)
    avis = current_avis(session=session, atelier=atelier)
    titles = {p.number: p.title for p in proposals_of(session=session, version=avis)} if avis else {}
    changes, start = _changes(published, updates)
    queued = _marks_requests(session, atelier, settings, signer, citizens, existing, start, now)
    queued += _stale_reminders(session, atelier, settings, existing, published, updates, titles, now)
    queued += _late_answer_alerts(session, atelier, settings, existing, len(titles), now)
    weeks = digest_weeks(changes, start)
    if start is None or not weeks:
        return queued
    for week, items in sorted(weeks.items()):
        due = start + (week + 1) * WEEK
        if due > now:
            continue  # the week is not over: more may come
        for person in citizens:
            key = f"a{pk(atelier)}|p{pk(person)}|{DIGEST_KIND}|{week}"
            if key in existing:
                continue
            links = {
                "stop": signer.follow_up_stop_url(atelier=atelier.slug, person_id=pk(person), now=now),
                "marks": signer.marks_url(atelier=atelier.slug, person_id=pk(person), now=now),
            }
            context = _base(atelier, settings, _citizen(person), links) | {
                "week_start_long": long_date(start + week * WEEK),
                "remark": any(c.remark for c in items),
                "changes": [
                    {
                        "number": c.number,
                        "title": titles.get(c.number, ""),
                        "lines": list(c.lines),
                        "link": c.link,
                    }
                    for c in items
                ],
            }
            note = {"week": week, "changes": len(items)}
            queue_message(
                session, atelier, settings, _citizen(person), key=key, kind=DIGEST_KIND, context=context,
                due=due, now=now, note=note,
            )  # fmt: skip
            queued += 1
    return queued


def _marks_requests(session: Session, atelier: Atelier, settings: Settings, signer: LinkSigner,
                    citizens: list[Person], existing: set[str], first: datetime | None,
                    now: datetime) -> int:  # fmt: skip
    """Once the answers are first published (``first``), each citizen is asked to mark them, once."""
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
        to = _citizen(person)
        queue_message(session, atelier, settings, to, key=key, kind=MARKS_KIND,
               context=_base(atelier, settings, to, links), due=first, now=now, note={})  # fmt: skip
        queued += 1
    return queued


def stale_since(
    answers: list[tuple[int, AnswerStatus, datetime]], updates: list[tuple[int, datetime]]
) -> dict[int, datetime]:
    """Pure: each proposal whose latest published answer is « à l'étude », and since when it has
    had no news (its latest answer or follow-up step, whichever is later)."""
    latest: dict[int, tuple[AnswerStatus, datetime]] = {}
    for number, status, at in sorted(answers, key=lambda a: a[2]):
        latest[number] = (status, at)
    last_update: dict[int, datetime] = {}
    for number, at in updates:
        last_update[number] = max(at, last_update.get(number, at))
    return {
        number: max(at, last_update.get(number, at))
        for number, (status, at) in latest.items()
        if status is AnswerStatus.UNDER_STUDY
    }


def _stale_reminders(session: Session, atelier: Atelier, settings: Settings, existing: set[str],
                     published: list[ProposalAnswer], updates: list[ProposalUpdate], titles: dict[int, str],
                     now: datetime) -> int:  # fmt: skip
    """The team is reminded of each proposal « à l'étude » left without news for ``stale_days``;
    news resets the count (a new key), so the reminder comes back after another silence."""
    since = stale_since(
        [(a.number, a.status, a.published_at) for a in published if a.published_at],
        [(u.number, u.recorded_at) for u in updates],
    )
    days = template_of(atelier).follow_up.stale_days
    avis_page = f"{settings.public_base_url.rstrip('/')}/espace/{atelier.slug}/avis"
    queued = 0
    for number, quiet_from in sorted(since.items()):
        due = quiet_from + timedelta(days=days)
        if due > now:
            continue
        for to in team_recipients(session=session, atelier=atelier, settings=settings):
            key = f"a{pk(atelier)}|t{to.person_id or 'team'}|{STALE_KIND}|{number}|{quiet_from.isoformat()}"
            if key in existing:
                continue
            context = _base(atelier, settings, to, {"avis": avis_page}) | {
                "proposal": {"number": number, "title": titles.get(number, "")},
                "since_long": long_date(quiet_from),
                "days": days,
            }
            queue_message(session, atelier, settings, to, key=key, kind=STALE_KIND, context=context, due=due,
                   now=now, note={"number": number})  # fmt: skip
            queued += 1
    return queued


def answer_deadline(session: Session, atelier: Atelier) -> datetime | None:
    """The date the commanditaire committed to: the handover plus the answer step's duration. (The
    gate's own due date follows the step's forecast, which slides while the answer is late.)"""
    template = template_of(atelier)
    key = template.follow_up.answer_step
    handover = next(
        (s for s in steps_of(session=session, atelier=atelier) if s.key == template.avis_step), None
    )
    if key is None or handover is None or handover.actual_end is None:
        return None
    return handover.actual_end + timedelta(days=template.step(key).duration_days)


def _late_answer_alerts(session: Session, atelier: Atelier, settings: Settings, existing: set[str],
                        proposals: int, now: datetime) -> int:  # fmt: skip
    """The commanditaire's answer is a commitment: a day after its deadline, still not approved,
    the COPIL and the team are told (the gate's own escalation follows its sliding due date)."""
    gate = answer_gate_of(session=session, atelier=atelier)
    deadline = answer_deadline(session, atelier)
    if gate is None or gate.status is not GateStatus.OPEN or deadline is None or now < deadline + LATE_AFTER:
        return 0
    answered = len(current_answers(session=session, atelier=atelier))
    copil = [
        Recipient(pk(p), p.email, p.full_name, frozenset({Role.COPIL_MEMBER}))
        for p in people_with_role(session=session, atelier=atelier, role=Role.COPIL_MEMBER)
    ]
    queued = 0
    for to in [*copil, *team_recipients(session=session, atelier=atelier, settings=settings)]:
        key = f"a{pk(atelier)}|p{to.person_id or 'team'}|{LATE_KIND}|g{gate.round}"
        if key in existing:
            continue
        context = _base(atelier, settings, to, {}) | {
            "gate": {"name": gate.name, "due_long": long_date(deadline)},
            "answered": answered,
            "proposals": proposals,
        }
        queue_message(session, atelier, settings, to, key=key, kind=LATE_KIND, context=context,
               due=deadline + LATE_AFTER, now=now, note={"round": gate.round})  # fmt: skip
        queued += 1
    return queued
