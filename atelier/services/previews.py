"""What an action would do, said before it is done: the messages it would queue and the dates it
would move, found by running the action itself inside a savepoint that is then rolled back.

The same code that will act computes the preview, so the confirmation cannot drift from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from atelier.errors import Refused
from atelier.french import count
from atelier.i18n import long_datetime
from atelier.planning.timeline import EVENT_KINDS
from atelier.services.timeline import current_timeline, steps_of
from models import Atelier
from notifications.plan_views import PlannedMessage
from notifications.planner import plan_messages
from notifications.snapshot import load_snapshot

# What a queued message is, in a sentence « N personnes recevront … ».
MESSAGE_LABELS = {
    "citizen_invitation": "l'invitation à l'atelier citoyen",
    "event_invitation": "une invitation pour leur agenda",
    # A moved event's invitations, sent again at the new date.
    "event_invitation:update": "une mise à jour de leur invitation, à la nouvelle date",
    "copil_convocation:update": "leur convocation au COPIL mise à jour, à la nouvelle date",
    "speaker_invitation:update": "leur invitation à intervenir mise à jour, à la nouvelle date",
    "event_cancelled": "l'annulation du rendez-vous, qui le retire de leur agenda",
    "speaker_invitation": "l'invitation à intervenir",
    "materials_request": "la demande de leurs supports",
    "copil_convocation": "une convocation au COPIL",
    "decision_request": "une demande de décision",
    "avis_handover": "l'annonce de la remise de l'avis",
    "droit_de_suite_notice": "l'annonce de la réponse du commanditaire",
    "weekend_practical": "les informations pratiques du week-end",
}
# Messages due within this delay go "now": a moved event is announced once the forecast has
# settled for a few minutes.
SOON = timedelta(minutes=30)


@dataclass(frozen=True)
class Consequences:
    messages: list[str] = field(default_factory=list)  # « 15 personnes recevront … »
    moves: list[str] = field(default_factory=list)  # « « Week-end 2 » : … → … »
    refusal: str | None = None  # why the action would be refused now


def _received(message: PlannedMessage) -> str:
    """What the recipient receives: an event's invitation may be a first one, a change, or a
    cancellation."""
    if message.cancel:
        return "event_cancelled"
    if (message.revision or 0) > 0 and f"{message.kind}:update" in MESSAGE_LABELS:
        return f"{message.kind}:update"
    return message.kind


def _sentences(new: list[PlannedMessage], now: datetime) -> list[str]:
    """« 5 personnes recevront une convocation au COPIL (15 messages). », then the reminders."""
    people: dict[str, set[int | None]] = {}
    messages: Counter[str] = Counter()
    first_due: dict[str, datetime] = {}
    for m in new:
        if m.reminder:
            continue
        kind = _received(m)
        messages[kind] += 1
        people.setdefault(kind, set()).add(m.recipient_id)
        first_due[kind] = min(m.due_at, first_due.get(kind, m.due_at))
    lines = []
    for kind, recipients in sorted(people.items()):
        n = len(recipients)
        line = f"{count(n, 'personne')} recevr{'a' if n == 1 else 'ont'} {MESSAGE_LABELS.get(kind, kind)}"
        if messages[kind] > n:
            line += f" ({count(messages[kind], 'message')})"
        if first_due[kind] > now + SOON:
            line += f", à partir du {long_datetime(first_due[kind])}"
        lines.append(line + ".")
    if reminders := sum(1 for m in new if m.reminder):
        scheduled = "programmé" if reminders == 1 else "programmés"
        lines.append(f"{count(reminders, 'rappel')} {scheduled} ensuite.")
    return lines


def _starts(session: Session, atelier: Atelier, now: datetime) -> dict[str, tuple[str, datetime]]:
    timeline = current_timeline(session=session, atelier=atelier, now=now)
    # Appointments only: those are the dates people have in their agendas.
    steps = steps_of(session=session, atelier=atelier)
    return {s.key: (s.name, timeline.steps[s.key].start) for s in steps if s.kind in EVENT_KINDS}


def consequences_of(
    *, session: Session, atelier: Atelier, action: Callable[[], object], now: datetime
) -> Consequences:
    """Run ``action`` in a savepoint, compare the message plan and the forecast before and after,
    and roll back: nothing is written, whatever the action does."""
    before = load_snapshot(session=session, atelier=atelier)
    dates_before = _starts(session, atelier, now)
    savepoint = session.begin_nested()
    try:
        action()
        session.flush()
        after = load_snapshot(session=session, atelier=atelier)
        dates_after = _starts(session, atelier, now)
    except Refused as refused:
        return Consequences(refusal=refused.message_fr)
    finally:
        savepoint.rollback()
        session.expire_all()
    planned = {m.key for m in plan_messages(before, now)}
    new = [m for m in plan_messages(after, now) if m.key not in planned]
    moves = [
        f"« {name} » : {long_datetime(old)} → {long_datetime(dates_after[key][1])}"
        for key, (name, old) in dates_before.items()
        if dates_after[key][1] != old
    ]
    return Consequences(messages=_sentences(new, now), moves=moves)
