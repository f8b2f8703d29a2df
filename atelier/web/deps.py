"""What the web's routes depend on, resolved by FastAPI once per request: the runtime, the page
renderer, the trigger that advances an atelier, the signed-in user, the atelier with the caller's
right on it (read or edit), and the form checked against the session's CSRF token.

Access comes first: a route declares the atelier before the form, so that a caller with no right
on the atelier is refused before the body is read. Refusals raise (``NotSignedIn``, ``Forbidden``,
``AtelierError``); ``atelier/web/app.py`` turns each into its French page, once for every route.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session
from starlette.datastructures import UploadFile

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import AtelierError, NotFound
from atelier.services.accounts import SignedIn, can_edit, can_read, roles_on, session_of
from atelier.services.ateliers import get_atelier
from atelier.services.link_actions import BadInput
from atelier.web.forms import read_form
from atelier.web.pages import Pages
from models import Atelier

SESSION_COOKIE = "atelier_session"
FORM_EXPIRED = "ce formulaire a expiré : rechargez la page et recommencez"
NOT_OPEN = "cet atelier n'existe pas ou ne vous est pas ouvert"

# Called with the atelier's slug after a recorded change, to advance it.
Trigger = Callable[[str], None]


class Render(Protocol):
    def __call__(self, template: str, status: int = 200, /, **context: object) -> HTMLResponse: ...


class NotSignedIn(Exception):
    """No valid session: pages send the browser to the sign-in page, actions are refused."""


class Forbidden(AtelierError):
    """Signed in, but this atelier or this action is not for this account (not a Refused: a
    page that shows a refusal in place never swallows it; the app answers 403)."""


def same_token(given: str, expected: str) -> bool:
    """Constant-time comparison that takes any text (compare_digest refuses non-ASCII str)."""
    return secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _render(pages: Annotated[Pages, Depends(_pages)]) -> Render:
    return pages.render


def _trigger(request: Request) -> Trigger:
    trigger: Trigger | None = request.app.state.on_change
    return trigger if trigger is not None else (lambda _slug: None)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
PagesDep = Annotated[Pages, Depends(_pages)]
RenderDep = Annotated[Render, Depends(_render)]
TriggerDep = Annotated[Trigger, Depends(_trigger)]


def signed_in_user(runtime: Runtime, request: Request) -> SignedIn:
    with transaction(runtime.engine) as session:
        user = session_of(session=session, token=request.cookies.get(SESSION_COOKIE), now=runtime.clock.now())
    if user is None:
        raise NotSignedIn
    return user


def _user(request: Request, runtime: RuntimeDep) -> SignedIn:
    return signed_in_user(runtime, request)


UserDep = Annotated[SignedIn, Depends(_user)]


def atelier_for(session: Session, user: SignedIn, slug: str, *, edit: bool = False) -> tuple[Atelier, bool]:
    """The atelier if this account may read it (or edit it, with ``edit``), and whether it may edit."""
    try:
        atelier = get_atelier(session=session, slug=slug)
    except NotFound:
        raise Forbidden(NOT_OPEN, "unknown atelier") from None
    roles = roles_on(session=session, user=user, atelier=atelier)
    if not can_read(roles) or (edit and not can_edit(roles)):
        raise Forbidden(NOT_OPEN, "atelier not open to account")  # the same answer as unknown
    return atelier, can_edit(roles)


@dataclass(frozen=True)
class AtelierAccess:
    """An atelier as the signed-in user may see it (loaded, outside any transaction)."""

    atelier: Atelier
    editable: bool
    user: SignedIn

    @property
    def slug(self) -> str:
        return self.atelier.slug

    def within(self, session: Session) -> Atelier:
        """The atelier in this transaction, to change it or what belongs to it."""
        atelier = session.get(Atelier, self.atelier.id)
        if atelier is None:  # deleted since the request began
            raise Forbidden(NOT_OPEN, "atelier gone during the request")
        return atelier


def _access(runtime: Runtime, user: SignedIn, slug: str, *, edit: bool) -> AtelierAccess:
    with transaction(runtime.engine) as session:
        atelier, editable = atelier_for(session, user, slug, edit=edit)
    return AtelierAccess(atelier, editable, user)


def _readable(slug: str, user: UserDep, runtime: RuntimeDep) -> AtelierAccess:
    return _access(runtime, user, slug, edit=False)


def _editable(slug: str, user: UserDep, runtime: RuntimeDep) -> AtelierAccess:
    return _access(runtime, user, slug, edit=True)


ReadableAtelier = Annotated[AtelierAccess, Depends(_readable)]
EditableAtelier = Annotated[AtelierAccess, Depends(_editable)]


async def signed_form(request: Request, user: SignedIn) -> dict[str, str]:
    """The form of a signed-in page, refused without this session's CSRF token."""
    form = await read_form(request)
    if not same_token(form.get("csrf", ""), user.csrf_token):
        raise Forbidden(FORM_EXPIRED, "missing or wrong csrf")
    return form


async def _form(request: Request, user: UserDep) -> dict[str, str]:
    return await signed_form(request, user)


FormDep = Annotated[dict[str, str], Depends(_form)]


async def signed_upload(
    request: Request, user: SignedIn, *, field: str, limit: int
) -> tuple[str, bytes] | None:
    """The file of a signed-in upload form: its name and up to ``limit`` + 1 bytes (so that the
    caller sees it is too large), or None when none was chosen. Refused when the request is not a
    multipart form (BadInput) or lacks this session's CSRF token (Forbidden)."""
    upload, _fields = await signed_upload_with(request, user, field=field, limit=limit)
    return upload


async def signed_upload_with(
    request: Request, user: SignedIn, *, field: str, limit: int, fields: tuple[str, ...] = ()
) -> tuple[tuple[str, bytes] | None, dict[str, str]]:
    """``signed_upload`` and the text ``fields`` sent with the file (empty when absent)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadInput("envoyez le fichier depuis le formulaire", "upload not multipart")
    async with request.form(max_files=1, max_fields=4 + len(fields)) as form:
        if not same_token(str(form.get("csrf", "")), user.csrf_token):
            raise Forbidden(FORM_EXPIRED, "missing csrf on upload")
        texts = {name: value for name in fields if isinstance(value := form.get(name, ""), str)}
        upload = form.get(field)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return None, texts
        return (upload.filename, await upload.read(limit + 1)), texts
