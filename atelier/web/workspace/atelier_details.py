"""Changing an atelier's details in the browser: what it is about and the practical details its
messages and mandat carry; the page says first how many scheduled messages will be rewritten."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from atelier.db import transaction
from atelier.errors import french_field_errors
from atelier.services.atelier_details import DETAIL_FIELDS, details_of, messages_to_rewrite, update_details
from atelier.services.ateliers import AtelierDetails
from atelier.services.events import person_actor
from atelier.web.deps import (
    AtelierAccess,
    EditableAtelier,
    FormDep,
    Render,
    RenderDep,
    RuntimeDep,
    TriggerDep,
)
from atelier.web.workspace.notices import redirect_with_notice

router = APIRouter(prefix="/espace/{slug}/modifier")
SUBJECTS_SHOWN = 12  # the rest of the messages to rewrite are counted, not listed


def _view(
    render: Render, access: AtelierAccess, values: dict[str, str], errors: dict[str, str],
    pending: list[tuple[str, int]], status: int = 200,
) -> HTMLResponse:  # fmt: skip
    shown = pending[:SUBJECTS_SHOWN]
    others = sum(n for _subject, n in pending[SUBJECTS_SHOWN:])
    return render(
        "workspace/atelier_edit.html", status, title=f"Modifier l'atelier — {access.atelier.title}",
        user=access.user, slug=access.slug, values=values, errors=errors, pending=sum(n for _s, n in pending),
        subjects=shown, others=others,
    )  # fmt: skip


@router.get("", response_class=HTMLResponse)
def edit_page(access: EditableAtelier, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        current = details_of(atelier).model_dump()
        pending = messages_to_rewrite(session=session, atelier=atelier)
    values = {name: "" if value is None else str(value) for name, value in current.items()}
    return _view(render, access, values, {}, pending)


@router.post("")
def save(
    access: EditableAtelier, form: FormDep, runtime: RuntimeDep, render: RenderDep, on_change: TriggerDep
) -> Response:
    values = {name: form.get(name, "").strip() for name in DETAIL_FIELDS}
    try:
        details = AtelierDetails.model_validate({k: v for k, v in values.items() if v})
    except ValidationError as error:
        with transaction(runtime.engine) as session:
            pending = messages_to_rewrite(session=session, atelier=access.within(session))
        return _view(render, access, values, french_field_errors(error), pending, status=400)
    with transaction(runtime.engine) as session:
        changed, rewritten = update_details(
            session=session, atelier=access.within(session), details=details, now=runtime.clock.now(),
            actor=person_actor(access.user.person_id),
        )  # fmt: skip
    if not changed:
        return redirect_with_notice(f"/espace/{access.slug}", access.user, "Aucune modification.")
    on_change(access.slug)  # the engine writes the messages again, with the new details
    text = "Les informations de l'atelier sont enregistrées."
    if rewritten == 1:
        text += " 1 message programmé sera réécrit avant son envoi."
    elif rewritten:
        text += f" {rewritten} messages programmés seront réécrits avant leur envoi."
    return redirect_with_notice(f"/espace/{access.slug}", access.user, text)
