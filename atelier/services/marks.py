"""The citizens' voice on the answer: each citizen marks the answer to each proposal from 0 to
10 and may comment (as the Convention citoyenne pour le climat's members marked the
government's answers). Marks are published as averages; comments stay with the team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from atelier.avis.sheets import STATUS_LABELS
from atelier.errors import Refused
from atelier.services.avis import current_answers
from atelier.services.events import person_actor, record_event
from atelier.services.people import people_with_role
from models import AnswerMark, Atelier, ProposalAnswer
from models.enums import Role
from models.types import pk

COMMENT_MAX = 2000


@dataclass(frozen=True)
class MarkIn:
    number: int
    mark: int
    comment: str | None


def read_mark(number: int, mark: str, comment: str) -> MarkIn | None:
    """A mark as typed in the form; None when the citizen left it empty (nothing to record)."""
    mark, comment = mark.strip(), comment.strip()
    if not mark:
        if comment:
            raise Refused(f"proposition n°{number} : choisissez une note pour accompagner votre commentaire",
                          "comment without a mark")  # fmt: skip
        return None
    if not mark.isdigit() or not 0 <= int(mark) <= 10:
        raise Refused(f"proposition n°{number} : la note va de 0 à 10", "mark out of range")
    if len(comment) > COMMENT_MAX:
        raise Refused(
            f"proposition n°{number} : le commentaire dépasse {COMMENT_MAX} caractères", "long comment"
        )
    return MarkIn(number, int(mark), comment or None)


def marks_of(*, session: Session, atelier: Atelier, person_id: int | None = None) -> list[AnswerMark]:
    query = select(AnswerMark).where(AnswerMark.atelier_id == pk(atelier))
    if person_id is not None:
        query = query.where(AnswerMark.person_id == person_id)
    return list(session.exec(query).all())


def record_marks(
    *, session: Session, atelier: Atelier, person_id: int, marks: list[MarkIn], now: datetime
) -> int:
    """The citizen's marks of the published answers; a mark given again replaces theirs."""
    if person_id not in {
        pk(p) for p in people_with_role(session=session, atelier=atelier, role=Role.CITIZEN)
    }:
        raise Refused(
            "ce lien ne permet pas de noter les réponses de cet atelier", "marks from a non-citizen"
        )
    published = current_answers(session=session, atelier=atelier, published_only=True)
    if not marks:
        raise Refused("choisissez au moins une note", "no marks")
    for m in marks:
        if m.number not in published:
            raise Refused(f"la réponse à la proposition n°{m.number} n'est pas publiée", "mark of no answer")
    mine = {m.number: m for m in marks_of(session=session, atelier=atelier, person_id=person_id)}
    for m in marks:
        row = mine.get(m.number) or AnswerMark(
            atelier_id=pk(atelier), person_id=person_id, number=m.number, mark=m.mark, marked_at=now
        )
        row.mark, row.comment, row.marked_at = m.mark, m.comment, now
        row.answer_id = published[m.number].id
        session.add(row)
    record_event(
        session=session, atelier_id=pk(atelier), actor=person_actor(person_id), kind="answers_marked", at=now,
        marks=len(marks),
    )  # fmt: skip
    session.flush()
    return len(marks)


def outdated_marks(*, session: Session, atelier: Atelier, marks: list[AnswerMark]) -> dict[int, str]:
    """The marks (by id) given to an answer since changed in status or reason, with the status
    that answer had: they no longer count, and their author is asked to mark the new answer."""
    current = current_answers(session=session, atelier=atelier, published_only=True)
    marked_ids = {m.answer_id for m in marks if m.answer_id is not None}
    marked = {
        pk(a): a
        for a in session.exec(select(ProposalAnswer).where(col(ProposalAnswer.id).in_(marked_ids))).all()
    }
    outdated: dict[int, str] = {}
    for m in marks:
        was, now = marked.get(m.answer_id or -1), current.get(m.number)
        if was is not None and now is not None and (was.status, was.reason) != (now.status, now.reason):
            outdated[pk(m)] = STATUS_LABELS[was.status]
    return outdated


def mark_averages(*, session: Session, atelier: Atelier) -> dict[int, tuple[float, int]]:
    """Per proposal: the average mark of its current answer and how many citizens gave one."""
    marks = marks_of(session=session, atelier=atelier)
    outdated = outdated_marks(session=session, atelier=atelier, marks=marks)
    by_number: dict[int, list[int]] = {}
    for m in marks:
        if pk(m) not in outdated:
            by_number.setdefault(m.number, []).append(m.mark)
    return {n: (sum(v) / len(v), len(v)) for n, v in by_number.items()}
