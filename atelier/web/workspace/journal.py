"""The workspace's journal (the event log, filtered by kind and person) and the exports of
people, decisions and the journal as CSV (as Excel opens it in France) or .xlsx."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from atelier.db import transaction
from atelier.i18n import short_datetime
from atelier.journal import KIND_LABELS, Names, sentence
from atelier.planning.template import template_of
from atelier.sheets.writing import csv_text, xlsx_bytes
from atelier.web.deps import EditableAtelier, Forbidden, RenderDep, RuntimeDep
from models import Atelier, Decision, Event, Gate, InvitationAnswer, Membership, Person
from models.enums import CHANNEL_LABELS, OUTCOME_LABELS, ROLE_LABELS, Role
from models.types import pk

PAGE_SIZE = 50
Table = tuple[list[str], list[list[Any]]]


def _names(session: Session, atelier: Atelier, events: Sequence[Event]) -> Names:
    """The names the events mention: their actors and the people in their details, the atelier's
    steps, stages and decisions."""
    ids = {int(e.actor.split(":", 1)[1]) for e in events if e.actor.startswith("person:")}
    for e in events:
        for key in ("person_id", "entered_by"):
            value = e.detail.get(key)
            if isinstance(value, int) or (isinstance(value, str) and value.startswith("person:")):
                ids.add(int(str(value).removeprefix("person:")))
    people = session.exec(select(Person).where(col(Person.id).in_(ids))).all() if ids else []
    template = template_of(atelier)
    gates = session.exec(select(Gate.key, Gate.name).where(Gate.atelier_id == pk(atelier))).all()
    return Names(
        people={f"person:{pk(p)}": p.full_name for p in people},
        steps={s.key: s.name for s in template.steps},
        stages={s.key: s.name for s in template.stages},
        gates=dict(gates),
        templates={template.key: template.name},
    )


def _events(atelier: Atelier, kind: str, person: str) -> SelectOfScalar[Event]:
    """The atelier's events, of one kind and by one person when they are given."""
    query = select(Event).where(Event.atelier_id == pk(atelier))
    if kind:
        query = query.where(Event.kind == kind)
    if person:
        query = query.where(Event.actor == f"person:{person}")
    return query


def _journal(session: Session, atelier: Atelier, events: Sequence[Event]) -> Table:
    names = _names(session, atelier, events)
    rows = [
        [short_datetime(e.at), names.actor(e.actor), KIND_LABELS.get(e.kind, "autre"),
         sentence(e.kind, e.detail, names)]
        for e in events
    ]  # fmt: skip
    return ["Quand", "Qui", "Type", "Événement"], rows


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
    rows = [
        [gate.name, d.round, name, OUTCOME_LABELS[d.outcome], d.comment or "",
         CHANNEL_LABELS[d.channel], short_datetime(d.decided_at)]
        for d, gate, name in session.exec(
            select(Decision, Gate, Person.full_name)
            .join(Gate, col(Gate.id) == col(Decision.gate_id))
            .join(Person, col(Person.id) == col(Decision.person_id))
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
    kind = kind if kind in KIND_LABELS else ""
    person = request.query_params.get("personne", "")
    person = person if person.isdigit() else ""
    wanted = request.query_params.get("page", "1")
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        query = _events(atelier, kind, person)
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, int(wanted)), pages) if wanted.isdigit() else 1
        events = session.exec(
            query.order_by(col(Event.id).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        ).all()
        headers, rows = _journal(session, atelier, events)
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
        page=page,
        pages=pages,
        total=total,
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
            events = session.exec(_events(atelier, "", "").order_by(col(Event.id).desc())).all()
            headers, rows = _journal(session, atelier, events)
    return tabular(headers, rows, name=f"{slug}-{what}", fmt=fmt)
