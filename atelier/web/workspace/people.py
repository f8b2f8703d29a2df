"""The workspace's people: by role with their answers, and a spreadsheet import previewed row by
row before anything is written (then all or nothing, as ``atelier person import``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.french import count
from atelier.services.events import person_actor
from atelier.services.link_actions import BadInput
from atelier.services.people import add_people, person_in_atelier, remove_person, set_roles, update_person
from atelier.sheets.people import parse_people_sheet, preview_people_sheet
from atelier.sheets.spreadsheet import read_sheet
from atelier.storage import LocalFileStore
from atelier.web.deps import (
    AtelierAccess,
    EditableAtelier,
    FormDep,
    ReadableAtelier,
    Render,
    RenderDep,
    RuntimeDep,
    signed_upload,
)
from atelier.web.workspace.confirm import confirmation_page, confirmed, rehearsal
from atelier.web.workspace.notices import notice_of, redirect_with_notice
from models import InvitationAnswer, Membership, Person
from models.enums import ASSIGNABLE_ROLES, ROLE_LABELS, Answer, Role
from models.person_in import validate_person
from models.types import pk

MAX_SHEET_BYTES = 5 * 1024 * 1024  # a few thousand rows of a spreadsheet
ANSWER_LABELS = {Answer.CONFIRM: "a confirmé", Answer.DECLINE: "ne participera pas"}

router = APIRouter(prefix="/espace/{slug}/personnes")


@dataclass(frozen=True)
class PersonLine:
    id: int
    name: str
    email: str | None  # shown to the team only
    organisation: str
    roles: str
    answer: str


def _people_view(
    runtime: Runtime, render: Render, request: Request, access: AtelierAccess, *, error: str | None = None,
    status: int = 200, typed: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """The page; ``typed``: what was typed in the add form when it was refused, shown again."""
    atelier, editable, user = access.atelier, access.editable, access.user
    with transaction(runtime.engine) as session:
        rows = session.exec(
            select(Person, Membership.role)
            .join(Membership, col(Membership.person_id) == col(Person.id))
            .where(Membership.atelier_id == pk(atelier))
            .order_by(col(Person.full_name))
        ).all()
        answers = {
            a.person_id: a.answer
            for a in session.exec(
                select(InvitationAnswer).where(InvitationAnswer.atelier_id == pk(atelier))
            ).all()
        }
    roles: dict[int, tuple[Person, list[Role]]] = {}
    for person, role in rows:
        roles.setdefault(pk(person), (person, []))[1].append(Role(role))
    groups: dict[str, list[PersonLine]] = {}
    for person, person_roles in roles.values():
        line = PersonLine(
            id=pk(person),
            name=person.full_name,
            email=person.email if editable else None,
            organisation=person.organisation or "",
            roles=", ".join(ROLE_LABELS[r] for r in person_roles),
            answer=ANSWER_LABELS.get(answers.get(pk(person)), "sans réponse")  # type: ignore[arg-type]
            if Role.CITIZEN in person_roles
            else "",
        )
        groups.setdefault(ROLE_LABELS[person_roles[0]], []).append(line)
    return render(
        "workspace/people.html",
        status,
        title=f"Personnes — {atelier.title}",
        user=user,
        slug=atelier.slug,
        groups=sorted(groups.items()),
        editable=editable,
        count=len(roles),
        message=notice_of(request, user),
        error=error,
        roles=[(role.value, ROLE_LABELS[role]) for role in ASSIGNABLE_ROLES],
        typed=typed or {"nom": "", "email": "", "role": "", "organisation": ""},
    )


@router.get("", response_class=HTMLResponse)
def people_page(
    request: Request, access: ReadableAtelier, runtime: RuntimeDep, render: RenderDep
) -> HTMLResponse:
    return _people_view(runtime, render, request, access)


def _import_view(render: Render, access: AtelierAccess, **context: object) -> HTMLResponse:
    values: dict[str, object] = {"preview": None, "digest": None, "filename": None, "error": None}
    values.update(context)
    status = int(str(values.pop("status", 200)))
    return render(
        "workspace/people_import.html", status, title=f"Importer des personnes — {access.atelier.title}",
        user=access.user, slug=access.slug, **values,
    )  # fmt: skip


@router.get("/import", response_class=HTMLResponse)
def import_page(access: EditableAtelier, render: RenderDep) -> HTMLResponse:
    return _import_view(render, access)


@router.post("/import", response_class=HTMLResponse)
async def preview_import(
    request: Request, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep
) -> HTMLResponse:
    try:
        upload = await signed_upload(request, access.user, field="fichier", limit=MAX_SHEET_BYTES)
    except BadInput as error:
        return _import_view(render, access, error=error.message_fr, status=400)
    if upload is None:
        return _import_view(render, access, error="choisissez un fichier CSV ou Excel (.xlsx)", status=400)
    filename, data = upload
    if len(data) > MAX_SHEET_BYTES:
        return _import_view(render, access, error="le fichier dépasse 5 Mo", status=400)
    try:
        # In a worker thread: no other request waits while a large sheet is read.
        preview = await run_in_threadpool(lambda: preview_people_sheet(read_sheet(data, name=filename)))
    except Refused as error:
        return _import_view(render, access, error=error.message_fr, status=400)
    digest = LocalFileStore(runtime.settings.files_dir).put(data) if not preview.errors else None
    return _import_view(render, access, preview=preview, digest=digest, filename=filename)


def _back(access: AtelierAccess, text: str) -> Response:
    # No name in the notice: it travels in the address, which proxies log and browsers keep.
    return redirect_with_notice(f"/espace/{access.slug}/personnes", access.user, text)


@router.post("/import/confirmer")
def confirm_import(
    access: EditableAtelier, form: FormDep, runtime: RuntimeDep, render: RenderDep
) -> Response:
    data = LocalFileStore(runtime.settings.files_dir).get(form.get("fichier", ""))
    if data is None:
        gone = "ce fichier n'est plus disponible : envoyez-le à nouveau"
        return _import_view(render, access, error=gone, status=400)
    try:
        imported = parse_people_sheet(read_sheet(data, name=form.get("nom", "import.csv")))
        with transaction(runtime.engine) as session:
            add_people(
                session=session, atelier=access.within(session), people=imported.people,
                now=runtime.clock.now(), actor=person_actor(access.user.person_id),
            )  # fmt: skip
    except Refused as error:
        return _import_view(render, access, error=error.message_fr, status=400)
    return _back(access, f"{count(len(imported.people), 'personne importée', 'personnes importées')}.")


@router.post("/ajouter")
def add_one(
    request: Request, access: EditableAtelier, form: FormDep, runtime: RuntimeDep, render: RenderDep
) -> Response:
    data = {"full_name": form.get("nom", ""), "email": form.get("email", ""), "roles": form.get("role", "")}
    if form.get("organisation", "").strip():
        data["organisation"] = form["organisation"]
    try:
        person = validate_person(data)
        with transaction(runtime.engine) as session:
            add_people(
                session=session, atelier=access.within(session), people=[person], now=runtime.clock.now(),
                actor=person_actor(access.user.person_id),
            )  # fmt: skip
    except Refused as error:
        typed = {name: form.get(name, "") for name in ("nom", "email", "role", "organisation")}
        return _people_view(runtime, render, request, access, error=error.message_fr, status=400, typed=typed)
    return _back(access, "La personne est ajoutée à l'atelier.")


def _edit_view(
    runtime: Runtime, render: Render, access: AtelierAccess, person_id: int, values: dict[str, str] | None,
    error: str | None, status: int, roles: list[str] | None = None,
) -> HTMLResponse:  # fmt: skip
    with transaction(runtime.engine) as session:
        person, memberships = person_in_atelier(
            session=session, atelier=access.within(session), person_id=person_id
        )
        shown = values or {
            "nom": person.full_name, "email": person.email, "organisation": person.organisation or ""
        }  # fmt: skip
        held = {m.role for m in memberships}
        title = f"Modifier {person.full_name} — {access.atelier.title}"
    checked = set(roles) if roles is not None else held
    return render(
        "workspace/person_edit.html", status, title=title, user=access.user, slug=access.slug,
        person_id=person_id, values=shown, error=error, name=person.full_name,
        roles=[(role.value, ROLE_LABELS[role], role.value in checked) for role in ASSIGNABLE_ROLES],
    )  # fmt: skip


@router.get("/{person_id}/modifier", response_class=HTMLResponse)
def edit_page(
    person_id: int, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep
) -> HTMLResponse:
    return _edit_view(runtime, render, access, person_id, None, None, 200)


@router.post("/{person_id}/modifier")
def edit(
    person_id: int, access: EditableAtelier, form: FormDep, runtime: RuntimeDep, render: RenderDep
) -> Response:
    values = {name: form.get(name, "") for name in ("nom", "email", "organisation")}
    try:
        details = validate_person(
            {
                "full_name": values["nom"], "email": values["email"], "roles": [],
                "organisation": values["organisation"].strip() or None,
            }
        )  # fmt: skip
        with transaction(runtime.engine) as session:
            fields = update_person(
                session=session, atelier=access.within(session), person_id=person_id, details=details,
                now=runtime.clock.now(), actor=person_actor(access.user.person_id),
                editor_id=None if access.user.is_admin else access.user.person_id,
            )  # fmt: skip
    except Refused as error:
        return _edit_view(runtime, render, access, person_id, values, error.message_fr, 400)
    return _back(access, "Les coordonnées sont modifiées." if fields else "Aucune modification.")


@router.post("/{person_id}/roles")
def change_roles(
    person_id: int, access: EditableAtelier, form: FormDep, runtime: RuntimeDep, render: RenderDep
) -> Response:
    # One check box per role, each its own field (``role_expert``…): a form field is read once.
    chosen = [role for role in ASSIGNABLE_ROLES if form.get(f"role_{role.value}") == "oui"]
    try:
        with transaction(runtime.engine) as session:
            added, removed = set_roles(
                session=session, atelier=access.within(session), person_id=person_id, roles=chosen,
                now=runtime.clock.now(), actor=person_actor(access.user.person_id),
            )  # fmt: skip
    except Refused as error:
        return _edit_view(
            runtime, render, access, person_id, None, error.message_fr, 400, roles=[r.value for r in chosen]
        )
    return _back(access, "Les rôles sont modifiés." if added or removed else "Aucune modification.")


@router.post("/{person_id}/retirer")
def remove_one(
    request: Request, person_id: int, access: EditableAtelier, form: FormDep, runtime: RuntimeDep,
    render: RenderDep,
) -> Response:  # fmt: skip
    """Without ``confirme``: checked, then a page asking to confirm; with it: the removal."""
    try:
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            with rehearsal(session, keep=confirmed(form)):
                name = remove_person(
                    session=session, atelier=atelier, person_id=person_id, now=runtime.clock.now(),
                    actor=person_actor(access.user.person_id),
                )  # fmt: skip
    except Refused as error:
        return _people_view(runtime, render, request, access, error=error.message_fr, status=400)
    if not confirmed(form):
        return confirmation_page(
            render, access, question=f"Retirer {name} de l'atelier ?", form=form, action=request.url.path,
            consequence=f"{name} ne recevra plus aucun message de l'atelier et n'y aura plus de rôle ; "
            "le journal garde la trace du retrait. Pour l'y remettre, il faudra l'ajouter de nouveau.",
            button=f"Retirer {name}",
        )  # fmt: skip
    return _back(access, f"{name} ne fait plus partie de l'atelier.")
