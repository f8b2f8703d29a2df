"""The workspace's steps: record one done, move an event, cancel an online session — each page
saying first what the action will send and which dates it will move (``services.previews``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, select

from atelier.bootstrap import Runtime
from atelier.clock import PARIS
from atelier.db import transaction
from atelier.errors import Refused
from atelier.i18n import long_datetime
from atelier.planning.timeline import EVENT_KINDS, Timeline
from atelier.services.accounts import SignedIn
from atelier.services.ateliers import template_of
from atelier.services.events import person_actor
from atelier.services.previews import Consequences, consequences_of
from atelier.services.rescheduling import reschedule_event
from atelier.services.timeline import cancel_event, get_step, record_step_done, steps_of
from atelier.web.workspace.auth import atelier_for, signed_form, signed_in_user
from atelier.web.workspace.notices import redirect_with_notice
from models import Atelier, Gate
from models.enums import StepKind, StepStatus
from models.types import pk

Render = Callable[..., HTMLResponse]
Trigger = Callable[[str], None]

# The preview of a published step needs an address; which one changes no message sent.
PREVIEW_URL = "https://apercu.invalid/"
INVALID_DATE = "indiquez une date et une heure valides"


def _paris_datetime(day: str, hour: str) -> datetime | None:
    try:
        return datetime.fromisoformat(f"{day}T{hour}").replace(tzinfo=PARIS)
    except ValueError:
        return None


def steps_router(runtime: Runtime, render: Render, on_change: Trigger | None) -> APIRouter:
    router = APIRouter(prefix="/espace")

    def step_view(
        slug: str,
        key: str,
        user: SignedIn,
        *,
        error: str | None = None,
        status: int = 200,
        move: dict[str, str] | None = None,
        move_preview: Consequences | None = None,
    ) -> HTMLResponse:
        now = runtime.clock.now()
        with transaction(runtime.engine) as session:
            atelier, _ = atelier_for(session, user, slug, edit=True)
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
            day=local.date().isoformat(),
            hour=local.strftime("%H:%M"),
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
    def step_page(slug: str, key: str, request: Request) -> HTMLResponse:
        return step_view(slug, key, signed_in_user(runtime, request))

    def recorded(slug: str, user: SignedIn, text: str) -> Response:
        """After a step is recorded, moved or cancelled: the engine advances, the atelier page says so."""
        if on_change is not None:
            on_change(slug)
        return redirect_with_notice(f"/espace/{slug}", user, text)

    @router.post("/{slug}/etapes/{key}")
    async def record_done(slug: str, key: str, request: Request) -> Response:
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        when = _paris_datetime(form.get("date", ""), form.get("heure", "") or "18:00")
        if when is None:
            return step_view(slug, key, user, error=INVALID_DATE, status=400)
        try:
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                name = get_step(session=session, atelier=atelier, key=key).name
                record_step_done(
                    session=session,
                    atelier=atelier,
                    step_key=key,
                    done_at=when,
                    actor=person_actor(user.person_id),
                    now=runtime.clock.now(),
                    public_url=form.get("lien") or None,
                )
        except Refused as error:
            return step_view(slug, key, user, error=error.message_fr, status=400)
        return recorded(slug, user, f"Étape « {name} » enregistrée comme faite ; le calendrier suit.")

    @router.post("/{slug}/etapes/{key}/deplacer")
    async def move(slug: str, key: str, request: Request) -> Response:
        """Without ``confirme``: the same page with what the move would send; with it: the move."""
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        values = {name: form.get(name, "") for name in ("date", "heure", "motif")}
        start = _paris_datetime(values["date"], values["heure"] or "09:00")
        if start is None:
            return step_view(slug, key, user, error=INVALID_DATE, status=400, move=values)
        now = runtime.clock.now()

        def act(session: Session, atelier: Atelier) -> Timeline:
            return reschedule_event(
                session=session, atelier=atelier, step_key=key, start=start, reason=values["motif"],
                actor=person_actor(user.person_id), now=now,
            )  # fmt: skip

        if form.get("confirme") != "oui":
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                preview = consequences_of(
                    session=session, atelier=atelier, now=now, action=lambda: act(session, atelier)
                )
            if preview.refusal is not None:
                return step_view(slug, key, user, error=preview.refusal, status=400, move=values)
            return step_view(slug, key, user, move=values, move_preview=preview)
        try:
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                timeline = act(session, atelier)
                name = get_step(session=session, atelier=atelier, key=key).name
        except Refused as error:
            return step_view(slug, key, user, error=error.message_fr, status=400, move=values)
        when = long_datetime(timeline.steps[key].start)
        return recorded(
            slug, user, f"Rendez-vous « {name} » déplacé au {when} ; les invités en sont avertis."
        )

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
                step = cancel_event(
                    session=session, atelier=atelier, step_key=key, reason=reason, now=runtime.clock.now(),
                    actor=person_actor(user.person_id),
                )  # fmt: skip
                name = step.name
        except Refused as error:
            return step_view(slug, key, user, error=error.message_fr, status=400)
        return recorded(slug, user, f"« {name} » annulée ; les invitations sont retirées des agendas.")

    return router
