"""Signing in to the workspace by a link sent by e-mail, and signing out.

A sign-in link, like every link we send, only shows a page on GET; its button POSTs. Forms shown
before signing in carry a double-submit token (cookie and field); forms of a signed-in page carry
the session's own token (``atelier/web/deps.py``, where sessions are read).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import defaultdict, deque

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.links import LinkClaims, LinkExpired
from atelier.services.accounts import (
    SESSION_MAX,
    SIGNIN_LINK_MAX_AGE,
    close_session,
    open_session,
    request_signin_link,
)
from atelier.services.link_actions import BadInput
from atelier.web.deps import (
    FORM_EXPIRED,
    SESSION_COOKIE,
    Forbidden,
    NotSignedIn,
    Render,
    RenderDep,
    RuntimeDep,
    same_token,
    signed_form,
    signed_in_user,
)
from atelier.web.forms import read_form

log = logging.getLogger("atelier.web")

FORM_COOKIE = "atelier_formulaire"  # the double-submit token of forms shown before signing in
# Sign-in requests from one address (IP) in a quarter of an hour; more are answered alike, unsent.
SIGNIN_REQUESTS_PER_CLIENT = 10
SENT_NOTICE = (
    "Si un compte existe pour cette adresse, un lien de connexion valable 15 minutes vient d'y "
    "être envoyé. Pensez à regarder dans les courriers indésirables."
)

router = APIRouter()


class SigninLimiter:
    """Sign-in requests per client address over the last quarter of an hour, for one app."""

    def __init__(self) -> None:
        self.recent: defaultdict[str, deque[float]] = defaultdict(deque)

    def allows(self, request: Request) -> bool:
        client = request.client.host if request.client else "?"
        times, now = self.recent[client], time.monotonic()
        while times and now - times[0] > SIGNIN_LINK_MAX_AGE.total_seconds():
            times.popleft()
        times.append(now)
        return len(times) <= SIGNIN_REQUESTS_PER_CLIENT


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


def _signin_page(
    runtime: Runtime,
    render: Render,
    *,
    message: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        "workspace/signin.html", status, title="Connexion", csrf=token, message=message, error=error
    )
    return _with_form_cookie(runtime, response, token)


@router.get("/connexion", response_class=HTMLResponse)
def show_signin(runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    return _signin_page(runtime, render)


@router.post("/connexion", response_class=HTMLResponse)
async def ask_signin(request: Request, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    try:
        form = await _anonymous_form(request)
    except (Refused, Forbidden) as error:
        status = 403 if isinstance(error, Forbidden) else 400
        return _signin_page(runtime, render, error=error.message_fr, status=status)
    email = form.get("email", "").strip()
    if not email or "@" not in email or len(email) > 320:
        return _signin_page(runtime, render, error="indiquez votre adresse e-mail", status=400)
    limiter: SigninLimiter = request.app.state.signin_limiter
    response = _signin_page(runtime, render, message=SENT_NOTICE)
    if limiter.allows(request):
        # After the answer is sent: it takes the same time whether the address has an account or not.
        response.background = BackgroundTask(_queue_signin_link, runtime, email)
    else:
        log.warning("sign-in requests over the limit from one client")
    return response


def _queue_signin_link(runtime: Runtime, email: str) -> None:
    # In a worker thread (Starlette runs a plain function's background there): on the event loop it
    # would hold back the answer itself, which the app's middleware sends only once the loop is free.
    with transaction(runtime.engine) as session:
        request_signin_link(
            session=session, email=email, signer=runtime.signer, settings=runtime.settings,
            now=runtime.clock.now(),
        )  # fmt: skip


def _link_claims(runtime: Runtime, token: str) -> LinkClaims:
    try:
        return runtime.signer.read(
            token, purpose="signin", now=runtime.clock.now(), max_age=SIGNIN_LINK_MAX_AGE
        )
    except LinkExpired:
        raise Refused(
            "ce lien de connexion a expiré : demandez-en un nouveau", "expired sign-in link"
        ) from None


@router.get("/connexion/{token}", response_class=HTMLResponse)
def show_signin_link(token: str, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    try:
        _link_claims(runtime, token)
    except Refused as error:
        log.info("sign-in link refused: %s", error)
        return _signin_page(runtime, render, error=error.message_fr, status=403)
    form_token = secrets.token_urlsafe(24)
    response = render("workspace/signin_link.html", title="Connexion", csrf=form_token, token=token)
    return _with_form_cookie(runtime, response, form_token)


@router.post("/connexion/{token}")
async def use_signin_link(token: str, request: Request, runtime: RuntimeDep, render: RenderDep) -> Response:
    try:
        await _anonymous_form(request)
        claims = _link_claims(runtime, token)
        with transaction(runtime.engine) as session:
            cookie, _user = open_session(session=session, claims=claims, now=runtime.clock.now())
    except (Refused, Forbidden) as error:
        log.info("sign-in refused: %s", error)
        return _signin_page(runtime, render, error=error.message_fr, status=403)
    response = RedirectResponse("/espace", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, cookie, httponly=True, samesite="lax", secure=_secure(runtime),
        max_age=int(SESSION_MAX.total_seconds()), path="/",
    )  # fmt: skip
    response.delete_cookie(FORM_COOKIE, path="/connexion")
    return response


@router.post("/deconnexion")
async def sign_out(request: Request, runtime: RuntimeDep) -> Response:
    # Anyone may sign out, even with a stale page: whatever is wrong ends at the sign-in page.
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
