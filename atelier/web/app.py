"""FastAPI app: the pages behind the links sent to COPIL members and citizens, and the team's
workspace (``atelier/web/workspace/``), in French.

GET shows, POST acts: mail scanners and link prefetchers open every link of a message.
Every answer is a French page; nothing the user sent is echoed back in an error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib import resources

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from atelier.bootstrap import Runtime
from atelier.errors import AtelierError, NotFound
from atelier.services.documents import MAX_DOCUMENT_BYTES
from atelier.web import committee, evaluation, follow_up, marks, public
from atelier.web.deps import Forbidden, NotSignedIn, Trigger
from atelier.web.limits import MEGABYTE, BodyLimit
from atelier.web.link_pages import router as link_pages_router
from atelier.web.operations import outbox_metrics
from atelier.web.operations import router as operations_routes
from atelier.web.pages import SECURITY_HEADERS, Pages
from atelier.web.workspace import (
    accounts,
    agenda,
    atelier_details,
    ateliers,
    avis,
    gates,
    journal,
    mandat,
    messages,
    people,
    recruitment,
    sealing,
    steps,
)
from atelier.web.workspace.auth import SigninLimiter
from atelier.web.workspace.auth import router as auth_routes
from atelier.web.workspace.recruitment import MAX_POOL_BYTES

log = logging.getLogger("atelier.web")


def create_app(runtime: Runtime, *, on_change: Trigger | None = None) -> FastAPI:
    app = FastAPI(title="atelier", docs_url=None, redoc_url=None, openapi_url=None)
    pages = Pages()
    # What the routes' dependencies read (atelier/web/deps.py).
    app.state.runtime, app.state.pages, app.state.on_change = runtime, pages, on_change
    app.state.signin_limiter, app.state.outbox_metrics = SigninLimiter(), outbox_metrics(runtime)
    notice = pages.notice
    # Bodies bounded before they are read: larger only for the uploads that need it.
    app.add_middleware(
        BodyLimit,
        pages=pages,
        default=runtime.settings.max_request_mb * MEGABYTE,
        uploads=(
            (r"/espace/[^/]+/decisions/[^/]+/documents", MAX_DOCUMENT_BYTES),
            (r"/espace/[^/]+/recrutement/(vivier|quotas)", MAX_POOL_BYTES),
        ),
    )
    app.mount("/static", StaticFiles(directory=str(resources.files("atelier.web") / "static")), "static")

    # Behind https, browsers are told to come back only over https (a year, as the ANSSI advises).
    headers = dict(SECURITY_HEADERS)
    if runtime.settings.public_base_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in headers.items():
            # A route that frames its content on purpose (a message preview) sets its own policy.
            if name not in response.headers:
                response.headers[name] = value
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> HTMLResponse:
        if error.status_code == 404:
            return notice("Page introuvable", error="cette page n'existe pas", status=404)
        if error.status_code == 405:
            return notice("Action impossible", error="cette adresse ne permet pas cette action", status=405)
        return notice(
            "Requête refusée", error="cette demande ne peut pas être traitée", status=error.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, _error: RequestValidationError) -> HTMLResponse:
        log.warning("invalid request refused")
        return notice("Réponse refusée", error="la réponse envoyée est incomplète ou illisible", status=400)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> HTMLResponse:
        log.error("unexpected error on a link page: %s", type(error).__name__, exc_info=error)
        return notice(
            "Erreur",
            error="une erreur inattendue est survenue ; rien n'a été enregistré. Réessayez plus tard "
            "ou écrivez à l'équipe projet.",
            status=500,
        )

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _error: NotSignedIn) -> Response:
        if request.method == "GET":
            return RedirectResponse("/connexion", status_code=303)
        return notice("Connexion nécessaire", error="connectez-vous pour faire cette action", status=403)

    @app.exception_handler(AtelierError)
    async def refused_in_workspace(_request: Request, error: AtelierError) -> HTMLResponse:
        # Link pages show their refusals themselves; this answers what a workspace page let through.
        log.info("request refused: %s", error)
        if isinstance(error, NotFound):
            return notice("Page introuvable", error=error.message_fr, status=404)
        return notice("Demande refusée", error=error.message_fr, status=400)

    @app.exception_handler(Forbidden)
    async def forbidden(_request: Request, error: Forbidden) -> HTMLResponse:
        log.info("workspace refusal: %s", error)
        return notice("Accès refusé", error=error.message_fr, status=403)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        """The instance's address leads to the workspace (the sign-in page when not signed in)."""
        return RedirectResponse("/espace", status_code=303)

    app.include_router(link_pages_router)
    app.include_router(auth_routes)
    app.include_router(agenda.router)  # before /espace/{slug}
    app.include_router(accounts.router)  # before /espace/{slug}
    app.include_router(ateliers.router)
    app.include_router(atelier_details.router)
    app.include_router(steps.router)
    app.include_router(people.router)
    app.include_router(recruitment.router)
    app.include_router(sealing.router)
    app.include_router(avis.router)
    app.include_router(mandat.router)
    app.include_router(gates.router)
    app.include_router(messages.router)
    app.include_router(journal.router)
    app.include_router(public.router)
    app.include_router(follow_up.router)
    app.include_router(marks.router)
    app.include_router(evaluation.router)
    app.include_router(committee.router)
    app.include_router(operations_routes)

    return app
