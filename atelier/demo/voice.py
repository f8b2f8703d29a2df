"""The citizens' voice in the demo, after the handover: a few citizens volunteer for the comité de
suivi the evening of its call, most mark the published answers the evening after they are asked,
and most people asked evaluate the démarche two days after. They follow the link of the e-mail they
received, and record through the services the pages call."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from atelier.bootstrap import Runtime
from atelier.clock import PARIS, SimulatedClock
from atelier.db import transaction
from atelier.errors import Refused
from atelier.links import EVALUATION_LINK_AGE, FOLLOW_UP_LINK_AGE
from atelier.services.ateliers import get_atelier
from atelier.services.committee import join_committee
from atelier.services.evaluation import questions_of, read_evaluation, record_evaluation
from atelier.services.follow_up_messages import MARKS_KIND
from atelier.services.marks import MarkIn, record_marks
from models import AnswerMark, Atelier, CommitteeSeat, EvaluationResponse, OutboxMessage
from models.enums import OutboxStatus
from models.types import pk

MARKS_LINK = re.compile(r"https?://\S+/appreciation/(\S+)")
EVALUATION_LINK = re.compile(r"https?://\S+/evaluation/(\S+)")
COMMITTEE_LINK = re.compile(r"https?://\S+/comite-de-suivi/(\S+)")
# How the demo's citizens mark the answer to each proposal: a refused one poorly, a retained one well.
MARKS = {1: 8, 2: 3, 3: 6, 4: 9, 5: 5}
COMMENT = "Nous avons été écoutés ; il faudra voir ce qui sera fait de la proposition sur les petites lignes."


@dataclass
class Intent:
    """Something a simulated person will do at a given time."""

    at: datetime
    action: Callable[[], bool]
    label: str


def _evening(sent_at: datetime, days: int, minute: int) -> datetime:
    day = (sent_at.astimezone(PARIS) + timedelta(days=days)).date()
    return datetime.combine(day, time(20, minute % 60), tzinfo=PARIS)


def voice_intents(
    runtime: Runtime, clock: SimulatedClock, session: Session, atelier: Atelier
) -> list[Intent]:
    """One citizen in four volunteers for the comité de suivi; two in three mark the answers; three
    people in four evaluate the démarche."""
    sent = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.atelier_id == pk(atelier),
            col(OutboxMessage.kind).in_((MARKS_KIND, "evaluation_request", "committee_call")),
            OutboxMessage.status == OutboxStatus.SENT,
        )
    ).all()
    marked = set(session.exec(select(AnswerMark.person_id).where(AnswerMark.atelier_id == pk(atelier))).all())
    evaluated = set(
        session.exec(
            select(EvaluationResponse.person_id).where(EvaluationResponse.atelier_id == pk(atelier))
        ).all()
    )
    seated = set(
        session.exec(select(CommitteeSeat.person_id).where(CommitteeSeat.atelier_id == pk(atelier))).all()
    )
    intents = []
    for row in sent:
        person, when = row.person_id, row.sent_at
        if person is None or when is None:
            continue
        if row.kind == MARKS_KIND and person not in marked and person % 3:
            action = _mark(runtime, clock, atelier.slug, row.body_text, person)
            intents.append(Intent(_evening(when, 1, person), action, f"marks:{person}"))
        elif row.kind == "evaluation_request" and person not in evaluated and person % 4:
            action = _evaluate(runtime, clock, atelier.slug, row.body_text, person)
            intents.append(Intent(_evening(when, 2, person), action, f"evaluation:{person}"))
        elif row.kind == "committee_call" and person not in seated and person % 4 == 1:
            action = _volunteer(runtime, clock, atelier.slug, row.body_text)
            intents.append(Intent(_evening(when, 0, person), action, f"committee:{person}"))
    return intents


def _mark(runtime: Runtime, clock: SimulatedClock, slug: str, body: str, person: int) -> Callable[[], bool]:
    def action() -> bool:
        found = MARKS_LINK.search(body)
        if found is None:
            return False
        claims = runtime.signer.read(
            found.group(1), purpose="marks", now=clock.now(), max_age=FOLLOW_UP_LINK_AGE
        )
        nudge = person % 3 - 1  # citizens do not all agree
        marks = [
            MarkIn(n, max(0, min(10, m + nudge)), COMMENT if n == 5 and person % 2 else None)
            for n, m in MARKS.items()
        ]
        with transaction(runtime.engine) as session:
            atelier = get_atelier(session=session, slug=slug)
            record_marks(
                session=session, atelier=atelier, person_id=claims.person_id, marks=marks, now=clock.now()
            )
        return True

    return action


def _evaluate(
    runtime: Runtime, clock: SimulatedClock, slug: str, body: str, person: int
) -> Callable[[], bool]:
    def action() -> bool:
        found = EVALUATION_LINK.search(body)
        if found is None:
            return False
        now = clock.now()
        claims = runtime.signer.read(
            found.group(1), purpose="evaluation", now=now, max_age=EVALUATION_LINK_AGE
        )
        with transaction(runtime.engine) as session:
            atelier = get_atelier(session=session, slug=slug)
            questions = questions_of(session=session, atelier=atelier, person_id=claims.person_id)
            # Mostly favourable, one notch less for one person in two.
            form = {q.key: str(len(q.choices) - 1 - (person + i) % 2) for i, q in enumerate(questions)}
            form["commentaire"] = "Une expérience exigeante et enrichissante." if person % 5 == 1 else ""
            evaluation = read_evaluation(questions, form)
            record_evaluation(
                session=session, atelier=atelier, person_id=claims.person_id, evaluation=evaluation, now=now
            )
        return True

    return action


def _volunteer(runtime: Runtime, clock: SimulatedClock, slug: str, body: str) -> Callable[[], bool]:
    def action() -> bool:
        found = COMMITTEE_LINK.search(body)
        if found is None:
            return False
        now = clock.now()
        claims = runtime.signer.read(found.group(1), purpose="committee", now=now, max_age=FOLLOW_UP_LINK_AGE)
        try:
            with transaction(runtime.engine) as session:
                atelier = get_atelier(session=session, slug=slug)
                join_committee(session=session, atelier=atelier, person_id=claims.person_id, now=now)
        except Refused:
            return False  # the comité is full: the page says so
        return True

    return action
