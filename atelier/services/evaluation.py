"""The evaluation survey of the démarche (seed 004, fiche 4 of part 03): its relevance, the quality
of its organisation, its impact on the citizens' view of public action and on the administration's
practice. The questions are template data (``evaluation`` in the template); the survey opens when
the step ``after`` is done and closes when the evaluation step is done. Each person answers by their
own link, once or again (the latest answers count); the counts are published, the comments stay
with the team and are shown without names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from atelier.errors import Refused
from atelier.planning.template import EvaluationQuestion, EvaluationSpec, template_of
from atelier.services.events import person_actor, record_event
from atelier.services.timeline import steps_of
from models import Atelier, EvaluationResponse, InvitationAnswer, Membership
from models.enums import Answer, Role, StepStatus
from models.types import pk

COMMENT_MAX = 3000
CITIZENS, INSTITUTION = "Citoyens", "Commanditaire et COPIL"
GROUPS = (CITIZENS, INSTITUTION)
GROUP_ROLES = {CITIZENS: {Role.CITIZEN}, INSTITUTION: {Role.COPIL_MEMBER, Role.COMMANDITAIRE}}


@dataclass(frozen=True)
class EvaluationIn:
    answers: dict[str, int]  # question key → index of the choice
    comment: str | None


def read_evaluation(questions: list[EvaluationQuestion], form: Mapping[str, str]) -> EvaluationIn:
    """Pure: the answers as sent by the form (``question key`` → choice number); refused whole when
    a choice is not one of the question's, or when nothing at all is answered."""
    answers: dict[str, int] = {}
    for question in questions:
        value = form.get(question.key, "").strip()
        if not value:
            continue  # every question is optional
        if not value.isdigit() or int(value) >= len(question.choices):
            raise Refused(f"« {question.text} » : choisissez l'une des réponses proposées", "bad choice")
        answers[question.key] = int(value)
    comment = form.get("commentaire", "").strip()
    if len(comment) > COMMENT_MAX:
        raise Refused(f"le commentaire dépasse {COMMENT_MAX} caractères", "long evaluation comment")
    if not answers and not comment:
        raise Refused("répondez à au moins une question", "empty evaluation")
    return EvaluationIn(answers, comment or None)


def evaluation_spec(atelier: Atelier) -> EvaluationSpec:
    spec = template_of(atelier).evaluation
    if spec is None:
        raise Refused("cet atelier ne prévoit pas d'évaluation", "no evaluation in the template")
    return spec


def survey_state(*, session: Session, atelier: Atelier) -> str:
    """« avant », « ouverte » or « close »: open once ``after`` is done, until the step is done."""
    spec = evaluation_spec(atelier)
    status = {s.key: s.status for s in steps_of(session=session, atelier=atelier)}
    if status[spec.step] is StepStatus.DONE:
        return "close"
    return "ouverte" if status[spec.after] is StepStatus.DONE else "avant"


def roles_in(*, session: Session, atelier: Atelier, person_id: int) -> frozenset[Role]:
    return frozenset(
        Role(r)
        for r in session.exec(
            select(Membership.role).where(
                Membership.atelier_id == pk(atelier), Membership.person_id == person_id
            )
        ).all()
    )


def response_of(*, session: Session, atelier: Atelier, person_id: int) -> EvaluationResponse | None:
    return session.exec(
        select(EvaluationResponse).where(
            EvaluationResponse.atelier_id == pk(atelier), EvaluationResponse.person_id == person_id
        )
    ).first()


def questions_of(*, session: Session, atelier: Atelier, person_id: int) -> list[EvaluationQuestion]:
    """The questions this person is asked; refused if they are asked none."""
    questions = evaluation_spec(atelier).questions_for(
        roles_in(session=session, atelier=atelier, person_id=person_id)
    )
    if not questions:
        raise Refused(
            "ce lien ne permet pas de répondre à l'évaluation de cet atelier", "not in the audience"
        )
    return questions


def record_evaluation(
    *, session: Session, atelier: Atelier, person_id: int, evaluation: EvaluationIn, now: datetime
) -> None:
    """The person's answers (replacing theirs, if any) while the survey is open."""
    state = survey_state(session=session, atelier=atelier)
    if state != "ouverte":
        raise Refused(
            "l'évaluation est close : merci de votre intérêt"
            if state == "close"
            else "l'évaluation n'est pas encore ouverte",
            f"evaluation {state}",
        )
    asked = {q.key for q in questions_of(session=session, atelier=atelier, person_id=person_id)}
    if set(evaluation.answers) - asked:
        raise Refused("ces questions ne vous sont pas posées", "answers to questions not asked")
    row = response_of(session=session, atelier=atelier, person_id=person_id) or EvaluationResponse(
        atelier_id=pk(atelier), person_id=person_id, answered_at=now
    )
    row.answers, row.comment, row.answered_at = dict(evaluation.answers), evaluation.comment, now
    session.add(row)
    record_event(
        session=session, atelier_id=pk(atelier), actor=person_actor(person_id), kind="evaluation_answered",
        at=now, questions=len(evaluation.answers),
    )  # fmt: skip
    session.flush()


@dataclass(frozen=True)
class QuestionResult:
    group: str
    text: str
    counts: tuple[tuple[str, int], ...]  # each choice and how many chose it

    @property
    def answered(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class EvaluationResults:
    state: str
    respondents: tuple[tuple[str, int, int], ...]  # group, answered, asked
    questions: tuple[QuestionResult, ...]
    comments: tuple[str, ...]  # without names: for the team only


def _group(roles: frozenset[Role]) -> str:
    return CITIZENS if Role.CITIZEN in roles else INSTITUTION


def evaluation_results(*, session: Session, atelier: Atelier) -> EvaluationResults | None:
    """The counts per question and per group (the citizens; the commanditaire and the COPIL)."""
    spec = template_of(atelier).evaluation
    if spec is None:
        return None
    roles: dict[int, set[Role]] = {}
    for person_id, role in session.exec(
        select(Membership.person_id, Membership.role).where(Membership.atelier_id == pk(atelier))
    ).all():
        roles.setdefault(person_id, set()).add(Role(role))
    declined = set(
        session.exec(
            select(InvitationAnswer.person_id).where(
                InvitationAnswer.atelier_id == pk(atelier), InvitationAnswer.answer == Answer.DECLINE
            )
        ).all()
    )
    group_of = {
        pid: _group(frozenset(r))
        for pid, r in roles.items()
        if r & spec.audience and not (Role.CITIZEN in r and pid in declined)
    }
    responses = session.exec(
        select(EvaluationResponse)
        .where(EvaluationResponse.atelier_id == pk(atelier))
        .order_by(col(EvaluationResponse.answered_at))
    ).all()
    answers_of = {
        group: [r.answers for r in responses if group_of.get(r.person_id) == group] for group in GROUPS
    }
    respondents = tuple(
        (group, len(answers_of[group]), sum(1 for g in group_of.values() if g == group)) for group in GROUPS
    )
    questions = []
    for group in GROUPS:
        for question in spec.questions:
            if not set(question.audience) & GROUP_ROLES[group]:
                continue
            chosen = [a[question.key] for a in answers_of[group] if question.key in a]
            counts = tuple((label, chosen.count(index)) for index, label in enumerate(question.choices))
            questions.append(QuestionResult(group, question.text, counts))
    return EvaluationResults(
        survey_state(session=session, atelier=atelier),
        respondents,
        tuple(questions),
        tuple(r.comment for r in responses if r.comment),
    )
