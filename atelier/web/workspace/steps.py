"""The workspace's steps: record one done, move an event, cancel an online session — each page
saying first what the action will send and which dates it will move (``services.previews``)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, select

from atelier.bootstrap import Runtime
from atelier.clock import PARIS
from atelier.db import transaction
from atelier.errors import Refused
from atelier.i18n import long_datetime
from atelier.planning.template import template_of
from atelier.planning.timeline import EVENT_KINDS, Timeline
from atelier.services.events import person_actor
from atelier.services.previews import Consequences, consequences_of
from atelier.services.rescheduling import reschedule_event
from atelier.services.timeline import cancel_event, get_step, record_step_done, steps_of
from atelier.web.deps import (
    AtelierAccess,
    EditableAtelier,
    FormDep,
    Render,
    RenderDep,
    RuntimeDep,
    Trigger,
    TriggerDep,
)
from atelier.web.workspace.confirm import confirmation_page, confirmed, rehearsal
from atelier.web.workspace.notices import redirect_with_notice
from models import Atelier, Gate
from models.enums import StepKind, StepStatus
from models.types import pk

router = APIRouter(prefix="/espace")

# The preview of a published step needs an address; which one changes no message sent.
PREVIEW_URL = "https://apercu.invalid/"
INVALID_DATE = "indiquez une date et une heure valides"


def _paris_datetime(day: str, hour: str) -> datetime | None:
    try:
        return datetime.fromisoformat(f"{day}T{hour}").replace(tzinfo=PARIS)
    except ValueError:
        return None


def _step_view(
    runtime: Runtime,
    render: Render,
    access: AtelierAccess,
    key: str,
    *,
    error: str | None = None,
    status: int = 200,
    move: dict[str, str] | None = None,
    move_preview: Consequences | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:
    """The step's page; ``typed``: the refused « fait » form's date, hour and link, shown again."""
    now = runtime.clock.now()
    slug, user = access.slug, access.user
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        step = get_step(session=session, atelier=atelier, key=key)
        # Now, or its forecast end if earlier; never before its dependencies were done.
        done_deps = [
            s.actual_end for s in steps_of(session=session, atelier=atelier) if s.key in step.depends_on
        ]
        default = max([min(now, step.forecast_end), *filter(None, done_deps)])
        public_link = template_of(atelier).step(key).public_link
        pending = step.status is StepStatus.PENDING
        gate = session.exec(select(Gate).where(Gate.step_id == pk(step))).first()
        done = None
        # A finished step, or one its gate closes, shows no recording form: no preview to run.
        if pending and gate is None:
            done = consequences_of(
                session=session,
                atelier=atelier,
                now=now,
                action=lambda: record_step_done(
                    session=session, atelier=atelier, step_key=key, done_at=default, now=now,
                    actor=person_actor(user.person_id), public_url=PREVIEW_URL if public_link else None,
                ),
            )  # fmt: skip
        cancelled = None
        if pending and step.kind is StepKind.ONLINE_SESSION:
            cancelled = consequences_of(
                session=session,
                atelier=atelier,
                now=now,
                action=lambda: cancel_event(
                    session=session, atelier=atelier, step_key=key, reason="aperçu", now=now
                ),
            )
        forecast = step.forecast_start.astimezone(PARIS)
        title = atelier.title
        step_name, step_key, kind = step.name, step.key, step.kind
        gate_name = gate.name if gate is not None and pending else None
    local = default.astimezone(PARIS)
    return render(
        "workspace/step.html",
        status,
        title=f"{step_name} — {title}",
        user=user,
        slug=slug,
        step_key=step_key,
        step_name=step_name,
        day=(typed or {}).get("date") or local.date().isoformat(),
        hour=(typed or {}).get("heure") or local.strftime("%H:%M"),
        link=(typed or {}).get("lien", ""),
        done=done,
        gate_name=gate_name,
        public_link=public_link,
        cancelled=cancelled,
        movable=pending and kind in EVENT_KINDS,
        weekend=kind is StepKind.WEEKEND,
        move=move or {"date": f"{forecast:%Y-%m-%d}", "heure": f"{forecast:%H:%M}", "motif": ""},
        move_preview=move_preview,
        moving=move is not None,  # a move was asked: its error goes beside its form
        error=error,
    )  # fmt: skip


@router.get("/{slug}/etapes/{key}", response_class=HTMLResponse)
def step_page(key: str, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    return _step_view(runtime, render, access, key)


def _recorded(access: AtelierAccess, on_change: Trigger, text: str) -> Response:
    """After a step is recorded, moved or cancelled: the engine advances, the atelier page says so."""
    on_change(access.slug)
    return redirect_with_notice(f"/espace/{access.slug}", access.user, text)


@router.post("/{slug}/etapes/{key}")
def record_done(
    key: str,
    access: EditableAtelier,
    form: FormDep,
    runtime: RuntimeDep,
    render: RenderDep,
    on_change: TriggerDep,
) -> Response:
    typed = {name: form.get(name, "") for name in ("date", "heure", "lien")}
    when = _paris_datetime(form.get("date", ""), form.get("heure", "") or "18:00")
    if when is None:
        return _step_view(runtime, render, access, key, error=INVALID_DATE, status=400, typed=typed)
    try:
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            name = get_step(session=session, atelier=atelier, key=key).name
            record_step_done(
                session=session,
                atelier=atelier,
                step_key=key,
                done_at=when,
                actor=person_actor(access.user.person_id),
                now=runtime.clock.now(),
                public_url=form.get("lien") or None,
            )
    except Refused as error:
        return _step_view(runtime, render, access, key, error=error.message_fr, status=400, typed=typed)
    return _recorded(access, on_change, f"Étape « {name} » enregistrée comme faite ; le calendrier suit.")


@router.post("/{slug}/etapes/{key}/deplacer")
def move(
    key: str,
    access: EditableAtelier,
    form: FormDep,
    runtime: RuntimeDep,
    render: RenderDep,
    on_change: TriggerDep,
) -> Response:
    """Without ``confirme``: the same page with what the move would send; with it: the move."""
    values = {name: form.get(name, "") for name in ("date", "heure", "motif")}
    start = _paris_datetime(values["date"], values["heure"] or "09:00")
    if start is None:
        return _step_view(runtime, render, access, key, error=INVALID_DATE, status=400, move=values)
    now = runtime.clock.now()

    def act(session: Session, atelier: Atelier) -> Timeline:
        return reschedule_event(
            session=session, atelier=atelier, step_key=key, start=start, reason=values["motif"],
            actor=person_actor(access.user.person_id), now=now,
        )  # fmt: skip

    if form.get("confirme") != "oui":
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            preview = consequences_of(
                session=session, atelier=atelier, now=now, action=lambda: act(session, atelier)
            )
        if preview.refusal is not None:
            return _step_view(runtime, render, access, key, error=preview.refusal, status=400, move=values)
        return _step_view(runtime, render, access, key, move=values, move_preview=preview)
    try:
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            timeline = act(session, atelier)
            name = get_step(session=session, atelier=atelier, key=key).name
    except Refused as error:
        return _step_view(runtime, render, access, key, error=error.message_fr, status=400, move=values)
    when = long_datetime(timeline.steps[key].start)
    return _recorded(
        access, on_change, f"Rendez-vous « {name} » déplacé au {when} ; les invités en sont avertis."
    )


@router.post("/{slug}/etapes/{key}/annuler")
def cancel(
    key: str,
    access: EditableAtelier,
    form: FormDep,
    runtime: RuntimeDep,
    render: RenderDep,
    on_change: TriggerDep,
) -> Response:
    reason = " ".join(form.get("motif", "").split())[:500]
    if not reason:
        return _step_view(runtime, render, access, key, error="indiquez le motif de l'annulation", status=400)
    try:
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            with rehearsal(session, keep=confirmed(form)):
                name = cancel_event(
                    session=session, atelier=atelier, step_key=key, reason=reason, now=runtime.clock.now(),
                    actor=person_actor(access.user.person_id),
                ).name  # fmt: skip
    except Refused as error:
        return _step_view(runtime, render, access, key, error=error.message_fr, status=400)
    if not confirmed(form):
        return confirmation_page(
            render, access, question=f"Annuler « {name} » ?", form=form,
            action=f"/espace/{access.slug}/etapes/{key}/annuler",
            consequence="Les participants reçoivent l'annulation, qui retire la session de leur agenda. "
            "Une session annulée ne se rétablit pas.",
            button="Confirmer l'annulation",
        )  # fmt: skip
    return _recorded(access, on_change, f"« {name} » annulée ; les invitations sont retirées des agendas.")
