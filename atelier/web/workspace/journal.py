"""The workspace's journal (the event log, filtered by kind and person) and the exports of
people, decisions and the journal as CSV (as Excel opens it in France) or .xlsx."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from atelier.db import transaction
from atelier.i18n import short_datetime
from atelier.sheets.writing import csv_text, xlsx_bytes
from atelier.web.deps import EditableAtelier, Forbidden, RenderDep, RuntimeDep
from models import Atelier, Decision, Event, Gate, InvitationAnswer, Membership, Person
from models.enums import OUTCOME_LABELS, ROLE_LABELS, Role
from models.types import pk

SHOWN = 500
KIND_LABELS = {
    "atelier_created": "atelier créé",
    "atelier_completed": "atelier terminé",
    "stage_opened": "phase ouverte",
    "stage_closed": "phase close",
    "step_done": "étape faite",
    "forecast_moved": "prévision déplacée",
    "avis_at_risk": "date de l'avis menacée",
    "event_cancelled": "rendez-vous annulé",
    "event_rescheduled": "rendez-vous déplacé par l'équipe",
    "person_updated": "personne modifiée",
    "gate_opened": "décision soumise",
    "gate_asked_again": "décision soumise à nouveau",
    "gate_decision": "décision d'un membre",
    "gate_approved": "décision approuvée",
    "gate_rejected": "décision rejetée",
    "gate_sent_back": "décision renvoyée pour reprise",
    "gate_revised": "version révisée enregistrée",
    "document_attached": "document joint",
    "person_added": "personne ajoutée",
    "person_removed": "personne retirée",
    "risk_changed": "risque sur l'avis réévalué",
    "calendar_feed_created": "abonnement d'agenda créé",
    "invitation_answer": "réponse à l'invitation",
    "link_refused": "lien refusé",
    "message_resent": "message renvoyé",
    "sending_suspended": "envois suspendus",
    "sending_resumed": "envois repris",
}
ACTOR_LABELS = {"engine": "moteur", "cli": "ligne de commande", "team": "équipe projet"}
Table = tuple[list[str], list[list[Any]]]


def _names(session: Session) -> dict[str, str]:
    return {f"person:{pk(p)}": p.full_name for p in session.exec(select(Person)).all()}


def _journal(session: Session, atelier: Atelier, kind: str, person: str) -> Table:
    query = select(Event).where(Event.atelier_id == pk(atelier))
    if kind:
        query = query.where(Event.kind == kind)
    if person:
        query = query.where(Event.actor == f"person:{person}")
    names = _names(session)
    rows = [
        [
            short_datetime(e.at),
            names.get(e.actor, ACTOR_LABELS.get(e.actor, e.actor)),
            KIND_LABELS.get(e.kind, e.kind),
            # A person in the detail (who entered a meeting's decision) by name, as in « Qui ».
            ", ".join(
                f"{k} : {names.get(v, v) if isinstance(v, str) else v}"
                for k, v in sorted(e.detail.items())
                if v not in (None, "", [])
            ),
        ]
        for e in session.exec(query.order_by(col(Event.id).desc()).limit(SHOWN)).all()
    ]
    return ["Quand", "Qui", "Quoi", "Détail"], rows


def _people(session: Session, atelier: Atelier) -> Table:
    answers = {
        a.person_id: a.answer.value
        for a in session.exec(
            select(InvitationAnswer).where(InvitationAnswer.atelier_id == pk(atelier))
        ).all()
    }
    rows = [
        [p.full_name, p.email, p.organisation or "", ROLE_LABELS[Role(role)], answers.get(pk(p), "")]
        for p, role in session.exec(
            select(Person, Membership.role)
            .join(Membership, col(Membership.person_id) == col(Person.id))
            .where(Membership.atelier_id == pk(atelier))
            .order_by(col(Person.full_name))
        ).all()
    ]
    return ["Nom", "Adresse e-mail", "Organisation", "Rôle", "Réponse"], rows


def _decisions(session: Session, atelier: Atelier) -> Table:
    names = {pk(p): p.full_name for p in session.exec(select(Person)).all()}
    rows = [
        [gate.name, d.round, names.get(d.person_id, "?"), OUTCOME_LABELS[d.outcome], d.comment or "",
         d.channel.value, short_datetime(d.decided_at)]
        for d, gate in session.exec(
            select(Decision, Gate)
            .join(Gate, col(Gate.id) == col(Decision.gate_id))
            .where(Gate.atelier_id == pk(atelier))
            .order_by(col(Decision.id))
        ).all()
    ]  # fmt: skip
    return ["Décision", "Tour", "Membre", "Choix", "Commentaire", "Canal", "Quand"], rows


def tabular(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, name: str, fmt: str) -> Response:
    """A download: CSV with a BOM and semicolons (Excel in France opens it as is) or a workbook."""
    if fmt == "xlsx":
        data = xlsx_bytes([headers, *rows])
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, media = csv_text([headers, *rows]).encode("utf-8"), "text/csv; charset=utf-8"
    return Response(
        data,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


router = APIRouter(prefix="/espace/{slug}")


@router.get("/journal", response_class=HTMLResponse)
def journal_page(
    request: Request, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep
) -> HTMLResponse:
    user, slug = access.user, access.slug
    kind = request.query_params.get("type", "")
    person = request.query_params.get("personne", "")
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        headers, rows = _journal(session, atelier, kind, person if person.isdigit() else "")
        people = sorted(
            (p.full_name, pk(p))
            for p in session.exec(
                select(Person)
                .join(Membership, col(Membership.person_id) == col(Person.id))
                .where(Membership.atelier_id == pk(atelier))
                .distinct()
            ).all()
        )
        title = atelier.title
    return render(
        "workspace/journal.html",
        title=f"Journal — {title}",
        user=user,
        slug=slug,
        headers=headers,
        rows=rows,
        kinds=sorted(KIND_LABELS.items(), key=lambda item: item[1]),
        people=people,
        kind=kind,
        person=person,
    )


@router.get("/export/{what}.{fmt}")
def export(what: str, fmt: str, access: EditableAtelier, runtime: RuntimeDep) -> Response:
    slug = access.slug
    if fmt not in ("csv", "xlsx") or what not in ("personnes", "decisions", "journal"):
        raise Forbidden("cet export n'existe pas", "unknown export")
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        if what == "personnes":
            headers, rows = _people(session, atelier)
        elif what == "decisions":
            headers, rows = _decisions(session, atelier)
        else:
            headers, rows = _journal(session, atelier, "", "")
    return tabular(headers, rows, name=f"{slug}-{what}", fmt=fmt)
