"""Signing in to the workspace by a link sent by e-mail, sessions and CSRF tokens.

A sign-in link, like every link we send, only shows a page on GET; its button POSTs. Forms
shown before signing in carry a double-submit token (cookie and field); forms of a signed-in
page carry the session's own token.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import AtelierError, NotFound, Refused
from atelier.links import LinkClaims, LinkExpired
from atelier.services.accounts import (
    SESSION_MAX,
    SIGNIN_LINK_MAX_AGE,
    SignedIn,
    can_edit,
    can_read,
    close_session,
    open_session,
    request_signin_link,
    roles_on,
    session_of,
)
from atelier.services.ateliers import get_atelier
from atelier.web.actions import BadInput
from atelier.web.forms import read_form
from models import Atelier

log = logging.getLogger("atelier.web")

SESSION_COOKIE = "atelier_session"
FORM_COOKIE = "atelier_formulaire"  # the double-submit token of forms shown before signing in
# Sign-in requests from one address (IP) in a quarter of an hour; more are answered alike, unsent.
SIGNIN_REQUESTS_PER_CLIENT = 10
SENT_NOTICE = (
    "Si un compte existe pour cette adresse, un lien de connexion valable 15 minutes vient d'y "
    "être envoyé. Pensez à regarder dans les courriers indésirables."
)

FORM_EXPIRED = "ce formulaire a expiré : rechargez la page et recommencez"
Render = Callable[..., HTMLResponse]


class NotSignedIn(Exception):
    """No valid session: pages send the browser to the sign-in page, actions are refused."""


class Forbidden(AtelierError):
    """Signed in, but this atelier or this action is not for this account (not a Refused: a
    page that shows a refusal in place never swallows it; the app answers 403)."""


def same_token(given: str, expected: str) -> bool:
    """Constant-time comparison that takes any text (compare_digest refuses non-ASCII str)."""
    return secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def signed_in_user(runtime: Runtime, request: Request) -> SignedIn:
    with transaction(runtime.engine) as session:
        user = session_of(session=session, token=request.cookies.get(SESSION_COOKIE), now=runtime.clock.now())
    if user is None:
        raise NotSignedIn
    return user


async def signed_form(request: Request, user: SignedIn) -> dict[str, str]:
    """The form of a signed-in page, refused without this session's CSRF token."""
    form = await read_form(request)
    if not same_token(form.get("csrf", ""), user.csrf_token):
        raise Forbidden(FORM_EXPIRED, "missing or wrong csrf")
    return form


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


NOT_OPEN = "cet atelier n'existe pas ou ne vous est pas ouvert"


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


def _secure(runtime: Runtime) -> bool:
    return runtime.settings.public_base_url.startswith("https://")


def _with_form_cookie(runtime: Runtime, response: HTMLResponse, token: str) -> HTMLResponse:
    response.set_cookie(
        FORM_COOKIE, token, httponly=True, samesite="strict", secure=_secure(runtime), path="/connexion"
    )
    return response


async def _anonymous_form(request: Request) -> dict[str, str]:
    form = await read_form(request)
    expected = request.cookies.get(FORM_COOKIE, "")
    if not expected or not same_token(form.get("csrf", ""), expected):
        raise Forbidden(FORM_EXPIRED, "missing or wrong form token")
    return form


def auth_router(runtime: Runtime, render: Render) -> APIRouter:
    router = APIRouter()
    recent_requests: defaultdict[str, deque[float]] = defaultdict(deque)

    def signin_page(
        *, message: str | None = None, error: str | None = None, status: int = 200
    ) -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        response = render(
            "workspace/signin.html", status, title="Connexion", csrf=token, message=message, error=error
        )
        return _with_form_cookie(runtime, response, token)

    def client_allowed(request: Request) -> bool:
        client = request.client.host if request.client else "?"
        times, now = recent_requests[client], time.monotonic()
        while times and now - times[0] > SIGNIN_LINK_MAX_AGE.total_seconds():
            times.popleft()
        times.append(now)
        return len(times) <= SIGNIN_REQUESTS_PER_CLIENT

    @router.get("/connexion", response_class=HTMLResponse)
    def show_signin() -> HTMLResponse:
        return signin_page()

    @router.post("/connexion", response_class=HTMLResponse)
    async def ask_signin(request: Request) -> HTMLResponse:
        try:
            form = await _anonymous_form(request)
        except (Refused, Forbidden) as error:
            return signin_page(error=error.message_fr, status=403 if isinstance(error, Forbidden) else 400)
        email = form.get("email", "").strip()
        if not email or "@" not in email or len(email) > 320:
            return signin_page(error="indiquez votre adresse e-mail", status=400)
        if client_allowed(request):
            with transaction(runtime.engine) as session:
                request_signin_link(
                    session=session,
                    email=email,
                    signer=runtime.signer,
                    settings=runtime.settings,
                    now=runtime.clock.now(),
                )
        else:
            log.warning("sign-in requests over the limit from one client")
        return signin_page(message=SENT_NOTICE)

    def link_claims(token: str) -> LinkClaims:
        try:
            return runtime.signer.read(
                token, purpose="signin", now=runtime.clock.now(), max_age=SIGNIN_LINK_MAX_AGE
            )
        except LinkExpired:
            raise Refused(
                "ce lien de connexion a expiré : demandez-en un nouveau", "expired sign-in link"
            ) from None

    @router.get("/connexion/{token}", response_class=HTMLResponse)
    def show_signin_link(token: str) -> HTMLResponse:
        try:
            link_claims(token)
        except Refused as error:
            log.info("sign-in link refused: %s", error)
            return signin_page(error=error.message_fr, status=403)
        form_token = secrets.token_urlsafe(24)
        response = render("workspace/signin_link.html", title="Connexion", csrf=form_token, token=token)
        return _with_form_cookie(runtime, response, form_token)

    @router.post("/connexion/{token}")
    async def use_signin_link(token: str, request: Request) -> Response:
        try:
            await _anonymous_form(request)
            claims = link_claims(token)
            with transaction(runtime.engine) as session:
                cookie, _user = open_session(session=session, claims=claims, now=runtime.clock.now())
        except (Refused, Forbidden) as error:
            log.info("sign-in refused: %s", error)
            return signin_page(error=error.message_fr, status=403)
        response = RedirectResponse("/espace", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            httponly=True,
            samesite="lax",
            secure=_secure(runtime),
            max_age=int(SESSION_MAX.total_seconds()),
            path="/",
        )
        response.delete_cookie(FORM_COOKIE, path="/connexion")
        return response

    @router.post("/deconnexion")
    async def sign_out(request: Request) -> Response:
        try:
            user = signed_in_user(runtime, request)
            await signed_form(request, user)
        except (NotSignedIn, Refused, BadInput):
            return RedirectResponse("/connexion", status_code=303)
        with transaction(runtime.engine) as session:
            close_session(session=session, session_id=user.session_id, now=runtime.clock.now())
        response = RedirectResponse("/connexion", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
