"""The public record of an atelier (issue 11): its identity card, the avis and its proposals,
each published answer, and the count of answers by status — as a page, JSON and CSV, with no
sign-in and nothing personal: no citizen's name, e-mail or phone, no team contact."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session

from atelier.avis.sheets import STATUS_LABELS
from atelier.french import count
from atelier.i18n import percent, short_date
from atelier.planning.template import template_of
from atelier.services.avis import current_answers, current_avis, proposals_of
from atelier.services.committee import committee_of
from atelier.services.evaluation import QuestionResult, evaluation_results
from atelier.services.follow_up import STATE_LABELS, updates_of
from atelier.services.mandat import expected_at
from atelier.services.marks import mark_averages
from atelier.services.panel_composition import CompositionRow
from atelier.services.replacements import panel_summary
from atelier.services.timeline import steps_of
from atelier.sheets.writing import csv_text
from models import Atelier, Step
from models.enums import AVIS_FORM_LABELS, AnswerStatus, GroupPosition, StepKind, StepStatus

PUBLIC_KINDS = (StepKind.WEEKEND, StepKind.ONLINE_SESSION, StepKind.MILESTONE)
POSITION_LABELS = {GroupPosition.CONSENSUS: "consensus", GroupPosition.DISSENSUS: "dissensus"}


@dataclass(frozen=True)
class PublicAnswer:
    status: str
    reason: str | None
    carrier: str | None
    instrument: str | None
    due_on: str | None
    published_on: str


@dataclass(frozen=True)
class PublicUpdate:
    on: str
    state: str
    text: str
    evidence_url: str | None


@dataclass(frozen=True)
class PublicProposal:
    number: int
    title: str
    text: str
    theme: str | None
    position: str
    support: str | None
    answer: PublicAnswer | None
    updates: tuple[PublicUpdate, ...] = ()  # the follow-up, oldest first
    mark_average: float | None = None  # the citizens' mark of the answer, out of 10
    marks: int = 0  # how many citizens marked it


@dataclass(frozen=True)
class PublicRecord:
    slug: str
    title: str
    commanditaire: str
    question: str
    avis_form: str
    citizens: int
    calendar: tuple[tuple[str, str], ...]  # (what, when)
    recruitment: str
    panel: tuple[CompositionRow, ...]
    avis_version: int | None
    avis_validated_on: str | None
    avis_digest: str | None
    avis_note: str | None
    avis_text: str | None
    proposals: tuple[PublicProposal, ...]
    summary: tuple[tuple[str, int], ...]  # each status and how many proposals have it
    committee: str | None = None  # the comité de suivi, when the template has one: its size, its meetings
    # The evaluation survey's counts (never its comments), once it is open.
    evaluation_respondents: tuple[tuple[str, int, int], ...] = ()  # group, answered, asked
    evaluation: tuple[QuestionResult, ...] = ()


def _when(step: Step) -> str:
    if step.status is StepStatus.DONE and step.actual_end is not None:
        return short_date(step.actual_end)
    if step.status is StepStatus.CANCELLED:
        return "annulé"
    return "prévu le " + short_date(expected_at(step))


def public_record(*, session: Session, atelier: Atelier) -> PublicRecord:
    template = template_of(atelier)
    public_steps = {s.key for s in template.steps if s.public_link}
    calendar = [
        (s.name, _when(s))
        for s in steps_of(session=session, atelier=atelier)
        if s.kind in PUBLIC_KINDS or s.key in public_steps
    ]
    summary = panel_summary(session=session, atelier=atelier)
    if summary is not None and summary.drawn_at is not None:
        recruitment = (
            "Tirage au sort parmi les volontaires, avec des quotas approuvés par le comité de pilotage "
            "(méthode publiée avec ses probabilités et vérifiable par chacun)."
        )
        panel = summary.rows
    else:
        recruitment, panel = "Recrutement de citoyens reflétant la diversité de la population.", ()
    avis = current_avis(session=session, atelier=atelier)
    proposals: list[PublicProposal] = []
    counts = dict.fromkeys(AnswerStatus, 0)
    if avis is not None:
        answers = current_answers(session=session, atelier=atelier, published_only=True)
        updates: dict[int, list[PublicUpdate]] = {}
        # The follow-up is public once the answers are: not before the commanditaire approved them.
        for u in updates_of(session=session, atelier=atelier) if answers else []:
            updates.setdefault(u.number, []).append(
                PublicUpdate(short_date(u.recorded_at), STATE_LABELS[u.state], u.text, u.evidence_url)
            )
        averages = mark_averages(session=session, atelier=atelier)
        for p in proposals_of(session=session, version=avis):
            a = answers.get(p.number)
            if a is not None:
                counts[a.status] += 1
            proposals.append(
                PublicProposal(
                    p.number, p.title, p.text, p.theme, POSITION_LABELS[p.position],
                    percent(p.support) if p.support is not None else None,
                    PublicAnswer(
                        STATUS_LABELS[a.status], a.reason, a.carrier, a.instrument,
                        short_date(a.due_on) if a.due_on else None,
                        short_date(a.published_at) if a.published_at else "",
                    ) if a is not None else None,
                    tuple(updates.get(p.number, ())),
                    *(averages.get(p.number, (None, 0)) if a is not None else (None, 0)),
                )
            )  # fmt: skip
    return PublicRecord(
        atelier.slug, atelier.title, atelier.commanditaire, atelier.question,
        AVIS_FORM_LABELS[atelier.avis_form], template.citizens, tuple(calendar), recruitment, tuple(panel),
        avis.version if avis else None, short_date(avis.validated_on) if avis else None,
        avis.digest if avis else None, avis.note if avis else None, avis.text if avis else None,
        tuple(proposals), tuple((STATUS_LABELS[s], n) for s, n in counts.items()),
        _committee(session, atelier), *_evaluation(session, atelier),
    )  # fmt: skip


def _committee(session: Session, atelier: Atelier) -> str | None:
    committee = committee_of(session=session, atelier=atelier)
    if committee is None:
        return None
    meetings = " ; ".join(
        f"{name} {'le ' + short_date(when) if held else 'prévu le ' + short_date(when)}"
        for name, when, held in committee.meetings
    )
    if committee.state == "avant":
        size = f"{committee.seats} citoyens volontaires, appelés après la remise de l'avis"
    else:
        volunteers = count(len(committee.members), "citoyen volontaire", "citoyens volontaires")
        size = f"{volunteers} sur {count(committee.seats, 'place')}"
    return f"{size}. Réunions : {meetings}."


def _evaluation(
    session: Session, atelier: Atelier
) -> tuple[tuple[tuple[str, int, int], ...], tuple[QuestionResult, ...]]:
    results = evaluation_results(session=session, atelier=atelier)
    if results is None or results.state == "avant":
        return (), ()
    return results.respondents, results.questions


def record_json(record: PublicRecord) -> dict[str, Any]:
    """The record as open data (``avis.json``)."""
    data = asdict(record)
    data["panel"] = [
        {"critere": r.category, "valeur": r.value, "minimum": r.min, "maximum": r.max, "panel": r.in_panel}
        for r in record.panel
    ]
    data["calendar"] = [{"etape": what, "date": when} for what, when in record.calendar]
    data["summary"] = {label: n for label, n in record.summary}
    data["evaluation_respondents"] = [
        {"groupe": group, "reponses": answered, "sollicites": asked}
        for group, answered, asked in record.evaluation_respondents
    ]
    data["evaluation"] = [
        {"groupe": q.group, "question": q.text, "reponses": dict(q.counts)} for q in record.evaluation
    ]
    return data


def answers_csv(record: PublicRecord) -> bytes:
    """One row per proposal and its answer (``reponses.csv``; « ; » and a BOM for Excel)."""
    rows: list[list[object]] = [
        [
            "numero",
            "titre",
            "theme",
            "position",
            "soutien",
            "statut",
            "motif",
            "porteur",
            "instrument",
            "echeance",
            "dernier_point_etape",
            "note_moyenne_citoyens",
            "notes_citoyens",
        ]
    ]
    for p in record.proposals:
        a = p.answer
        answer = [a.status, a.reason, a.carrier, a.instrument, a.due_on] if a else [None] * 5
        latest = f"{p.updates[-1].on} ({p.updates[-1].state}) : {p.updates[-1].text}" if p.updates else None
        average = f"{p.mark_average:.1f}".replace(".", ",") if p.mark_average is not None else None
        rows.append([p.number, p.title, p.theme, p.position, p.support, *answer, latest, average, p.marks])
    return csv_text(rows).encode("utf-8")
