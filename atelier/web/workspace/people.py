"""The workspace's people: by role with their answers, and a spreadsheet import previewed row by
row before anything is written (then all or nothing, as ``atelier person import``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.french import count
from atelier.services.accounts import SignedIn
from atelier.services.events import person_actor
from atelier.services.people import (
    add_people,
    person_in_atelier,
    remove_person,
    update_person,
    validate_person,
)
from atelier.services.people_sheet import parse_people_sheet, preview_people_sheet
from atelier.services.spreadsheet import read_sheet
from atelier.storage import LocalFileStore
from atelier.web.actions import BadInput
from atelier.web.workspace.auth import atelier_for, signed_form, signed_in_user, signed_upload
from atelier.web.workspace.notices import notice_of, redirect_with_notice
from models import InvitationAnswer, Membership, Person
from models.enums import ASSIGNABLE_ROLES, ROLE_LABELS, Answer, Role
from models.types import pk

Render = Callable[..., HTMLResponse]

MAX_SHEET_BYTES = 5 * 1024 * 1024  # a few thousand rows of a spreadsheet
ANSWER_LABELS = {Answer.CONFIRM: "a confirmé", Answer.DECLINE: "ne participera pas"}


@dataclass(frozen=True)
class PersonLine:
    id: int
    name: str
    email: str | None  # shown to the team only
    organisation: str
    roles: str
    answer: str


def people_router(runtime: Runtime, render: Render) -> APIRouter:
    router = APIRouter(prefix="/espace/{slug}/personnes")
    store = LocalFileStore(runtime.settings.files_dir)

    @router.get("", response_class=HTMLResponse)
    def people_page(slug: str, request: Request) -> HTMLResponse:
        return people_view(slug, request)

    def people_view(
        slug: str, request: Request, *, error: str | None = None, status: int = 200
    ) -> HTMLResponse:
        user = signed_in_user(runtime, request)
        with transaction(runtime.engine) as session:
            atelier, editable = atelier_for(session, user, slug)
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
            title = atelier.title
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
            title=f"Personnes — {title}",
            user=user,
            slug=slug,
            groups=sorted(groups.items()),
            editable=editable,
            count=len(roles),
            message=notice_of(request, user),
            error=error,
            roles=[(role.value, ROLE_LABELS[role]) for role in ASSIGNABLE_ROLES],
        )

    def import_view(slug: str, user_request: Request, **context: object) -> HTMLResponse:
        user = signed_in_user(runtime, user_request)
        with transaction(runtime.engine) as session:
            atelier, _ = atelier_for(session, user, slug, edit=True)
            title = atelier.title
        values: dict[str, object] = {"preview": None, "digest": None, "filename": None, "error": None}
        values.update(context)
        status = int(str(values.pop("status", 200)))
        return render(
            "workspace/people_import.html", status, title=f"Importer des personnes — {title}", user=user,
            slug=slug, **values,
        )  # fmt: skip

    @router.get("/import", response_class=HTMLResponse)
    def import_page(slug: str, request: Request) -> HTMLResponse:
        return import_view(slug, request)

    @router.post("/import", response_class=HTMLResponse)
    async def preview_import(slug: str, request: Request) -> HTMLResponse:
        user = signed_in_user(runtime, request)
        try:
            upload = await signed_upload(request, user, field="fichier", limit=MAX_SHEET_BYTES)
        except BadInput as error:
            return import_view(slug, request, error=error.message_fr, status=400)
        if upload is None:
            return import_view(slug, request, error="choisissez un fichier CSV ou Excel (.xlsx)", status=400)
        filename, data = upload
        if len(data) > MAX_SHEET_BYTES:
            return import_view(slug, request, error="le fichier dépasse 5 Mo", status=400)
        try:
            preview = preview_people_sheet(read_sheet(data, name=filename))
        except Refused as error:
            return import_view(slug, request, error=error.message_fr, status=400)
        digest = store.put(data) if not preview.errors else None
        return import_view(slug, request, preview=preview, digest=digest, filename=filename)

    @router.post("/import/confirmer")
    async def confirm_import(slug: str, request: Request) -> Response:
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        data = store.get(form.get("fichier", ""))
        if data is None:
            return import_view(
                slug, request, error="ce fichier n'est plus disponible : envoyez-le à nouveau", status=400
            )
        try:
            imported = parse_people_sheet(read_sheet(data, name=form.get("nom", "import.csv")))
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                add_people(
                    session=session,
                    atelier=atelier,
                    people=imported.people,
                    now=runtime.clock.now(),
                    actor=person_actor(user.person_id),
                )
        except Refused as error:
            return import_view(slug, request, error=error.message_fr, status=400)
        return back(slug, user, f"{count(len(imported.people), 'personne importée', 'personnes importées')}.")

    def back(slug: str, user: SignedIn, text: str) -> Response:
        # No name in the notice: it travels in the address, which proxies log and browsers keep.
        return redirect_with_notice(f"/espace/{slug}/personnes", user, text)

    @router.post("/ajouter")
    async def add_one(slug: str, request: Request) -> Response:
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        with transaction(runtime.engine) as session:
            atelier_for(session, user, slug, edit=True)  # who may act, before what was typed
        data = {
            "full_name": form.get("nom", ""),
            "email": form.get("email", ""),
            "roles": form.get("role", ""),
        }
        if form.get("organisation", "").strip():
            data["organisation"] = form["organisation"]
        try:
            person = validate_person(data)
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                add_people(
                    session=session, atelier=atelier, people=[person], now=runtime.clock.now(),
                    actor=person_actor(user.person_id),
                )  # fmt: skip
        except Refused as error:
            return people_view(slug, request, error=error.message_fr, status=400)
        return back(slug, user, "La personne est ajoutée à l'atelier.")

    def edit_view(
        slug: str,
        person_id: int,
        user: SignedIn,
        values: dict[str, str] | None,
        error: str | None,
        status: int,
    ) -> HTMLResponse:
        with transaction(runtime.engine) as session:
            atelier, _ = atelier_for(session, user, slug, edit=True)
            person, _ = person_in_atelier(session=session, atelier=atelier, person_id=person_id)
            shown = values or {
                "nom": person.full_name, "email": person.email, "organisation": person.organisation or ""
            }  # fmt: skip
            title = f"Modifier {person.full_name} — {atelier.title}"
        return render(
            "workspace/person_edit.html", status, title=title, user=user, slug=slug, person_id=person_id,
            values=shown, error=error,
        )  # fmt: skip

    @router.get("/{person_id}/modifier", response_class=HTMLResponse)
    def edit_page(slug: str, person_id: int, request: Request) -> HTMLResponse:
        return edit_view(slug, person_id, signed_in_user(runtime, request), None, None, 200)

    @router.post("/{person_id}/modifier")
    async def edit(slug: str, person_id: int, request: Request) -> Response:
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        values = {name: form.get(name, "") for name in ("nom", "email", "organisation")}
        try:
            details = validate_person(
                {
                    "full_name": values["nom"], "email": values["email"], "roles": [],
                    "organisation": values["organisation"].strip() or None,
                }
            )  # fmt: skip
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                fields = update_person(
                    session=session, atelier=atelier, person_id=person_id, details=details,
                    now=runtime.clock.now(), actor=person_actor(user.person_id),
                )  # fmt: skip
        except Refused as error:
            return edit_view(slug, person_id, user, values, error.message_fr, 400)
        if not fields:
            return back(slug, user, "Aucune modification.")
        return back(slug, user, "Les coordonnées sont modifiées.")

    @router.post("/{person_id}/retirer")
    async def remove_one(slug: str, person_id: int, request: Request) -> Response:
        user = signed_in_user(runtime, request)
        await signed_form(request, user)
        try:
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                remove_person(
                    session=session, atelier=atelier, person_id=person_id, now=runtime.clock.now(),
                    actor=person_actor(user.person_id),
                )  # fmt: skip
        except Refused as error:
            return people_view(slug, request, error=error.message_fr, status=400)
        return back(slug, user, "La personne est retirée de l'atelier.")

    return router
