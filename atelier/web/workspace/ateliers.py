"""The workspace's ateliers: the list, the creation form, and an atelier's page (Gantt chart,
steps, gates). Recording and moving steps is in ``steps``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from atelier.db import transaction
from atelier.errors import AtelierError, french_field_errors
from atelier.i18n import long_datetime, short_date, short_datetime
from atelier.planning.portfolio import (
    SORTS,
    STANDING_LABELS,
    AtelierFigures,
    Standing,
    attention,
    gate_wait_days,
    ordered,
    overdue_gates,
    standing,
)
from atelier.planning.template import DEFAULT_TEMPLATE_KEY, available_templates
from atelier.planning.timeline import RISK_LABELS
from atelier.services.accounts import SignedIn, visible_ateliers
from atelier.services.ateliers import AtelierCreate, create_atelier, venue_calendar_of
from atelier.services.events import person_actor
from atelier.services.gates import STATUS_LABELS, gates_of
from atelier.services.people import add_people
from atelier.services.portfolio import figures_of
from atelier.services.timeline import (
    current_timeline,
    stages_of,
    steps_of,
)
from atelier.web.deps import (
    Forbidden,
    FormDep,
    ReadableAtelier,
    Render,
    RenderDep,
    RuntimeDep,
    TriggerDep,
    UserDep,
)
from atelier.web.workspace.gantt import GanttStep, gantt_chart
from atelier.web.workspace.notices import notice_of
from models import Gate, Person
from models.enums import AVIS_FORM_LABELS, Role, StepKind, StepStatus
from models.person_in import PersonIn
from models.types import pk

router = APIRouter(prefix="/espace")

STEP_STATUS_LABELS = {
    StepStatus.PENDING: "à venir",
    StepStatus.DONE: "faite",
    StepStatus.CANCELLED: "annulée",
}
# The form's fields, as AtelierCreate names them.
CREATION_FIELDS = (
    "title", "commanditaire", "question", "avis_form", "template", "decision_date", "venue_departement",
    "venue", "slug",
)  # fmt: skip


@dataclass(frozen=True)
class PortfolioRow:
    """One line of the portfolio, as the page shows it."""

    figures: AtelierFigures
    standing: Standing
    label: str
    attention: list[str]
    gates_overdue: int
    longest_wait_days: int


def _row(figures: AtelierFigures, now: datetime) -> PortfolioRow:
    state = standing(figures, now)
    return PortfolioRow(
        figures=figures,
        standing=state,
        label=STANDING_LABELS[state],
        attention=attention(figures, now),
        gates_overdue=len(overdue_gates(figures, now)),
        longest_wait_days=max((gate_wait_days(g, now) for g in figures.gates), default=0),
    )


@router.get("", response_class=HTMLResponse)
def list_page(
    user: UserDep, runtime: RuntimeDep, render: RenderDep, etat: str = "", tri: str = "urgence"
) -> HTMLResponse:
    """The portfolio: every atelier this account follows, the most urgent first."""
    now = runtime.clock.now()
    with transaction(runtime.engine) as session:
        figures = figures_of(session=session, ateliers=visible_ateliers(session=session, user=user))
    rows = [_row(f, now) for f in ordered(figures, now, tri if tri in SORTS else "urgence")]
    counts = {s.value: sum(1 for r in rows if r.standing is s) for s in Standing}
    shown = [r for r in rows if not etat or r.standing.value == etat]
    return render(
        "workspace/ateliers.html", title="Ateliers", user=user, rows=shown, total=len(rows), counts=counts,
        states=[(s.value, STANDING_LABELS[s]) for s in Standing], etat=etat, tri=tri,
        short_date=short_date,
    )  # fmt: skip


def _admin(user: UserDep) -> SignedIn:
    if not user.is_admin:
        raise Forbidden("seul un administrateur crée un atelier", "create atelier without admin")
    return user


# Declared before the form, so that a non-administrator is refused before the body is read.
AdminDep = Annotated[SignedIn, Depends(_admin)]


def _creation_view(
    render: Render, user: SignedIn, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return render(
        "workspace/atelier_new.html",
        status,
        title="Nouvel atelier",
        user=user,
        values=values,
        errors=errors,
        avis_forms=[(form.value, label) for form, label in AVIS_FORM_LABELS.items()],
        templates=[(t.key, t.name) for t in available_templates().values()],
    )


@router.get("/nouvel-atelier", response_class=HTMLResponse)
def new_atelier_page(user: AdminDep, render: RenderDep) -> HTMLResponse:
    return _creation_view(render, user, {"template": DEFAULT_TEMPLATE_KEY, "avis_form": "proposals"}, {})


@router.post("/nouvel-atelier")
def create(
    user: AdminDep, form: FormDep, runtime: RuntimeDep, render: RenderDep, on_change: TriggerDep
) -> Response:
    values = {k: form.get(k, "").strip() for k in CREATION_FIELDS}
    data = {k: v for k, v in values.items() if v}
    try:
        atelier_in = AtelierCreate.model_validate(data)
    except ValidationError as error:
        return _creation_view(render, user, values, french_field_errors(error), 400)
    try:
        with transaction(runtime.engine) as session:
            now = runtime.clock.now()
            atelier, _ = create_atelier(session=session, atelier_in=atelier_in, now=now)
            # Whoever creates it is on its team: the team's alerts and digests reach them from the start.
            creator = session.get(Person, user.person_id)
            if creator is not None:
                team = PersonIn(full_name=creator.full_name, email=creator.email, roles=[Role.PROJECT_TEAM])
                add_people(
                    session=session,
                    atelier=atelier,
                    people=[team],
                    now=now,
                    actor=person_actor(user.person_id),
                )
            slug = atelier.slug
    except AtelierError as error:
        return _creation_view(render, user, values, {"": error.message_fr}, 400)
    on_change(slug)
    return RedirectResponse(f"/espace/{slug}", status_code=303)


@router.get("/{slug}", response_class=HTMLResponse)
def atelier_page(
    request: Request, access: ReadableAtelier, runtime: RuntimeDep, render: RenderDep
) -> HTMLResponse:
    user, editable = access.user, access.editable
    now = runtime.clock.now()
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        steps = steps_of(session=session, atelier=atelier)
        gates = gates_of(session=session, atelier=atelier)
        timeline = current_timeline(session=session, atelier=atelier, now=now)
        stage_names = {pk(s): s.name for s in stages_of(session=session, atelier=atelier)}
    gate_of_step: dict[int, Gate] = {g.step_id: g for g in gates}
    chart = gantt_chart(
        [
            GanttStep(
                key=s.key,
                name=s.name,
                planned_start=s.planned_start,
                planned_end=s.planned_end,
                forecast_start=timeline.steps[s.key].start,
                forecast_end=timeline.steps[s.key].end,
                actual_end=s.actual_end,
                critical=s.key in timeline.critical_path,
                gate_due=gate_of_step[pk(s)].due_at if pk(s) in gate_of_step else None,
            )
            for s in steps
        ],
        deadline=timeline.target_avis_date,
        now=now,
        venue=venue_calendar_of(atelier),
    )
    rows = [
        {
            "key": s.key,
            "name": s.name,
            "stage": stage_names.get(s.stage_id, ""),
            "planned": short_datetime(s.planned_end),
            "forecast": short_datetime(timeline.steps[s.key].end),
            "actual": short_datetime(s.actual_end) if s.actual_end else "",
            "status": STEP_STATUS_LABELS[s.status],
            "critical": s.key in timeline.critical_path,
            "note": timeline.steps[s.key].note or "",
            # Every step but a milestone has a page (record it, move it, cancel it, or read it).
            "page": editable and s.kind is not StepKind.MILESTONE,
        }
        for s in steps
    ]
    gate_rows = [
        {
            "key": g.key,
            "name": g.name,
            "status": STATUS_LABELS[g.status],
            "round": g.round,
            "due": long_datetime(g.due_at),
        }
        for g in gates
    ]
    return render(
        "workspace/atelier.html",
        title=atelier.title,
        user=user,
        atelier=atelier,
        chart=chart,
        step_pages={row["key"] for row in rows if row["page"]},
        rows=rows,
        gates=gate_rows,
        timeline=timeline,
        risk=RISK_LABELS[timeline.risk],
        avis=long_datetime(timeline.avis_end),
        stuck=long_datetime(atelier.stuck_since) if atelier.stuck_since else None,
        deadline=short_date(timeline.target_avis_date),
        message=notice_of(request, user),
        editable=editable,
    )
