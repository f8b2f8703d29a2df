"""The workspace's ateliers: the list, an atelier's page (Gantt chart, steps, gates), and
recording a step done — with, before it is recorded, what it will send to whom."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session, func, select

from atelier.bootstrap import Runtime
from atelier.clock import PARIS
from atelier.db import transaction
from atelier.errors import AtelierError, Refused, french_field_errors
from atelier.french import count
from atelier.i18n import long_datetime, short_date, short_datetime
from atelier.planning.template import DEFAULT_TEMPLATE_KEY, builtin_templates
from atelier.planning.timeline import RISK_LABELS, Risk
from atelier.services.accounts import SignedIn, visible_ateliers
from atelier.services.ateliers import AtelierCreate, create_atelier, template_of, venue_calendar_of
from atelier.services.events import person_actor
from atelier.services.gates import STATUS_LABELS, gates_of
from atelier.services.timeline import (
    cancel_event,
    current_timeline,
    get_step,
    record_step_done,
    stages_of,
    steps_of,
)
from atelier.web.workspace.auth import Forbidden, atelier_for, signed_form, signed_in_user
from atelier.web.workspace.gantt import GanttStep, gantt_chart
from models import Atelier, Gate, OutboxMessage, Step
from models.enums import AVIS_FORM_LABELS, GateStatus, OutboxStatus, StepKind, StepStatus
from models.types import pk
from notifications.outbox import load_snapshot
from notifications.planner import plan_messages

Render = Callable[..., HTMLResponse]
Trigger = Callable[[str], None]

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
# What a queued message is, in a sentence « N personnes recevront … ».
MESSAGE_LABELS = {
    "citizen_invitation": "l'invitation à l'atelier citoyen",
    "event_invitation": "une invitation pour leur agenda",
    "event_cancelled": "l'annulation du rendez-vous, qui le retire de leur agenda",
    "speaker_invitation": "l'invitation à intervenir",
    "materials_request": "la demande de leurs supports",
    "copil_convocation": "une convocation au COPIL",
    "decision_request": "une demande de décision",
    "avis_handover": "l'annonce de la remise de l'avis",
    "droit_de_suite_notice": "l'annonce de la réponse du commanditaire",
    "weekend_practical": "les informations pratiques du week-end",
}


@dataclass(frozen=True)
class AtelierLine:
    slug: str
    title: str
    stage: str
    next_step: str
    gates_waiting: int
    avis: str
    risk: str
    at_risk: bool
    failed_messages: int


def _atelier_line(session: Session, atelier: Atelier) -> AtelierLine:
    steps = steps_of(session=session, atelier=atelier)
    stage_rows = stages_of(session=session, atelier=atelier)
    stages = {pk(s): s.name for s in stage_rows}
    pending = sorted((s for s in steps if s.status is StepStatus.PENDING), key=lambda s: s.forecast_end)
    current = next((s for s in stage_rows if s.key == atelier.current_stage_key), None)
    waiting = sum(1 for g in gates_of(session=session, atelier=atelier) if g.status is GateStatus.OPEN)
    failed = session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.atelier_id == pk(atelier), OutboxMessage.status == OutboxStatus.FAILED)
    ).one()
    next_step = f"{pending[0].name} ({short_date(pending[0].forecast_end)})" if pending else "—"
    risk = Risk(atelier.risk)
    return AtelierLine(
        slug=atelier.slug,
        title=atelier.title,
        stage=current.name if current else (stages.get(pending[0].stage_id, "—") if pending else "terminé"),
        next_step=next_step,
        gates_waiting=waiting,
        avis=short_date(atelier.forecast_avis_at) if atelier.forecast_avis_at else "—",
        risk=RISK_LABELS[risk],
        at_risk=risk is not Risk.ON_TRACK,
        failed_messages=failed,
    )


def messages_if(
    session: Session, atelier: Atelier, step: Step, status: StepStatus, when: datetime, now: datetime
) -> list[str]:
    """What recording the step done (or cancelled) would queue at once, as sentences: the planner
    is pure, so the same plan runs on the atelier as it would be."""
    snapshot = load_snapshot(session=session, atelier=atelier)
    before = {m.key for m in plan_messages(snapshot, now)}
    changed = replace(snapshot.steps[step.key], status=status, actual_end=when)
    after = replace(snapshot, steps={**snapshot.steps, step.key: changed})
    new = [m for m in plan_messages(after, now) if m.key not in before]
    people: dict[str, set[int | None]] = {}
    messages: Counter[str] = Counter()
    for m in new:
        if m.due_at <= now:
            kind = "event_cancelled" if m.cancel else m.kind  # what the recipient receives
            messages[kind] += 1
            people.setdefault(kind, set()).add(m.recipient_id)
    later = sum(1 for m in new if m.due_at > now)
    lines = []
    for kind, recipients in sorted(people.items()):
        n = len(recipients)
        line = f"{count(n, 'personne')} recevr{'a' if n == 1 else 'ont'} {MESSAGE_LABELS.get(kind, kind)}"
        if messages[kind] > n:
            line += f" ({count(messages[kind], 'message')})"
        lines.append(line + ".")
    if later:
        scheduled = "programmé" if later == 1 else "programmés"
        lines.append(f"{count(later, 'autre message', 'autres messages')} {scheduled} ensuite (rappels).")
    return lines


def ateliers_router(runtime: Runtime, render: Render, on_change: Trigger | None) -> APIRouter:
    router = APIRouter(prefix="/espace")

    @router.get("", response_class=HTMLResponse)
    def list_page(request: Request) -> HTMLResponse:
        user = signed_in_user(runtime, request)
        with transaction(runtime.engine) as session:
            lines = [_atelier_line(session, a) for a in visible_ateliers(session=session, user=user)]
        return render("workspace/ateliers.html", title="Ateliers", user=user, lines=lines)

    def creation_view(
        user: SignedIn, values: dict[str, str], errors: dict[str, str], status: int = 200
    ) -> HTMLResponse:
        if not user.is_admin:
            raise Forbidden("seul un administrateur crée un atelier", "create atelier without admin")
        return render(
            "workspace/atelier_new.html",
            status,
            title="Nouvel atelier",
            user=user,
            values=values,
            errors=errors,
            avis_forms=[(form.value, label) for form, label in AVIS_FORM_LABELS.items()],
            templates=[(t.key, t.name) for t in builtin_templates().values()],
        )

    @router.get("/nouvel-atelier", response_class=HTMLResponse)
    def new_atelier_page(request: Request) -> HTMLResponse:
        user = signed_in_user(runtime, request)
        return creation_view(user, {"template": DEFAULT_TEMPLATE_KEY, "avis_form": "proposals"}, {})

    @router.post("/nouvel-atelier")
    async def create(request: Request) -> Response:
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        creation_view(user, {}, {})  # refuses a non-administrator before reading anything else
        values = {k: form.get(k, "").strip() for k in CREATION_FIELDS}
        data = {k: v for k, v in values.items() if v}
        try:
            atelier_in = AtelierCreate.model_validate(data)
        except ValidationError as error:
            return creation_view(user, values, french_field_errors(error), 400)
        try:
            with transaction(runtime.engine) as session:
                atelier, _ = create_atelier(session=session, atelier_in=atelier_in, now=runtime.clock.now())
                slug = atelier.slug
        except AtelierError as error:
            return creation_view(user, values, {"": error.message_fr}, 400)
        if on_change is not None:
            on_change(slug)
        return RedirectResponse(f"/espace/{slug}", status_code=303)

    @router.get("/{slug}", response_class=HTMLResponse)
    def atelier_page(slug: str, request: Request) -> HTMLResponse:
        user = signed_in_user(runtime, request)
        now = runtime.clock.now()
        with transaction(runtime.engine) as session:
            atelier, editable = atelier_for(session, user, slug)
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
                "recordable": editable
                and s.status is StepStatus.PENDING
                and pk(s) not in gate_of_step
                and s.kind is not StepKind.MILESTONE,
            }
            for s in steps
        ]
        gate_rows = [
            {
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
            rows=rows,
            gates=gate_rows,
            timeline=timeline,
            risk=RISK_LABELS[timeline.risk],
            avis=long_datetime(timeline.avis_end),
            deadline=short_date(timeline.target_avis_date),
            done=request.query_params.get("fait"),
            editable=editable,
        )

    def step_view(
        slug: str, key: str, user: SignedIn, *, error: str | None = None, status: int = 200
    ) -> HTMLResponse:
        now = runtime.clock.now()
        with transaction(runtime.engine) as session:
            atelier, _ = atelier_for(session, user, slug, edit=True)
            step = get_step(session=session, atelier=atelier, key=key)
            default = min(now, step.forecast_end)
            consequences = messages_if(session, atelier, step, StepStatus.DONE, default, now)
            cancellable = step.kind is StepKind.ONLINE_SESSION and step.status is StepStatus.PENDING
            cancel_consequences = (
                messages_if(session, atelier, step, StepStatus.CANCELLED, step.forecast_end, now)
                if cancellable
                else []
            )
            public_link = template_of(atelier).step(key).public_link
            title = atelier.title
        local = default.astimezone(PARIS)
        return render(
            "workspace/step.html",
            status,
            title=f"{step.name} — {title}",
            user=user,
            slug=slug,
            step=step,
            day=local.date().isoformat(),
            hour=local.strftime("%H:%M"),
            consequences=consequences,
            public_link=public_link,
            cancellable=cancellable,
            cancel_consequences=cancel_consequences,
            error=error,
        )

    @router.get("/{slug}/etapes/{key}", response_class=HTMLResponse)
    def step_page(slug: str, key: str, request: Request) -> HTMLResponse:
        return step_view(slug, key, signed_in_user(runtime, request))

    def recorded(slug: str, key: str) -> Response:
        """After a step is recorded or cancelled: the engine advances, the atelier page says so."""
        if on_change is not None:
            on_change(slug)
        return RedirectResponse(f"/espace/{slug}?fait={key}", status_code=303)

    @router.post("/{slug}/etapes/{key}")
    async def record_done(slug: str, key: str, request: Request) -> Response:
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        now = runtime.clock.now()
        try:
            when = datetime.fromisoformat(f"{form.get('date', '')}T{form.get('heure', '') or '18:00'}")
        except ValueError:
            return step_view(slug, key, user, error="indiquez une date et une heure valides", status=400)
        try:
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                record_step_done(
                    session=session,
                    atelier=atelier,
                    step_key=key,
                    done_at=when.replace(tzinfo=PARIS),
                    actor=person_actor(user.person_id),
                    now=now,
                    public_url=form.get("lien") or None,
                )
        except Refused as error:
            return step_view(slug, key, user, error=error.message_fr, status=400)
        return recorded(slug, key)

    @router.post("/{slug}/etapes/{key}/annuler")
    async def cancel(slug: str, key: str, request: Request) -> Response:
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        reason = " ".join(form.get("motif", "").split())[:500]
        if not reason:
            return step_view(slug, key, user, error="indiquez le motif de l'annulation", status=400)
        try:
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                cancel_event(
                    session=session, atelier=atelier, step_key=key, reason=reason, now=runtime.clock.now(),
                    actor=person_actor(user.person_id),
                )  # fmt: skip
        except Refused as error:
            return step_view(slug, key, user, error=error.message_fr, status=400)
        return recorded(slug, key)

    return router
