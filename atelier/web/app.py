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
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from atelier.bootstrap import Runtime
from atelier.errors import AtelierError, NotFound, Refused
from atelier.i18n import long_datetime, short_datetime
from atelier.links import Purpose
from atelier.services.gates import STATUS_LABELS
from atelier.storage import LocalFileStore
from atelier.web.actions import (
    BadInput,
    answer_page,
    answer_via_link,
    check_comment,
    decide_via_link,
    decision_document,
    decision_page,
    parse_outcome,
    refuse_input,
)
from atelier.web.committee import committee_router
from atelier.web.evaluation import evaluation_router
from atelier.web.follow_up import follow_up_router
from atelier.web.forms import read_form
from atelier.web.marks import marks_router
from atelier.web.operations import operations_router
from atelier.web.public import public_router
from atelier.web.workspace.accounts import accounts_router
from atelier.web.workspace.agenda import agenda_router
from atelier.web.workspace.ateliers import ateliers_router
from atelier.web.workspace.auth import Forbidden, NotSignedIn, auth_router
from atelier.web.workspace.avis import avis_router
from atelier.web.workspace.gates import document_response, gates_router
from atelier.web.workspace.journal import journal_router
from atelier.web.workspace.mandat import mandat_router
from atelier.web.workspace.messages import messages_router
from atelier.web.workspace.people import people_router
from atelier.web.workspace.recruitment import recruitment_router
from atelier.web.workspace.steps import steps_router
from models.enums import OUTCOME_LABELS, Answer, DecisionOutcome

log = logging.getLogger("atelier.web")

# Called with the atelier's slug after a recorded decision or answer, to advance it.
Trigger = Callable[[str], None]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; "
        "frame-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The token is in the path: never send it to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def create_app(runtime: Runtime, *, on_change: Trigger | None = None) -> FastAPI:
    app = FastAPI(title="atelier", docs_url=None, redoc_url=None, openapi_url=None)
    pages = Environment(
        loader=PackageLoader("atelier.web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        undefined=StrictUndefined,
    )
    files = LocalFileStore(runtime.settings.files_dir)
    app.mount("/static", StaticFiles(directory=str(resources.files("atelier.web") / "static")), "static")

    def render(template: str, status: int = 200, **context: object) -> HTMLResponse:
        values: dict[str, object] = {"error": None, "message": None, "comment": ""}
        values.update(context)
        # Headers set here too: a 500 page is produced outside the middleware below.
        return HTMLResponse(
            pages.get_template(template).render(**values), status_code=status, headers=SECURITY_HEADERS
        )

    def notice(
        title: str, *, error: str | None = None, message: str | None = None, status: int = 200
    ) -> HTMLResponse:
        return render("notice.html", status, title=title, error=error, message=message)

    def refused(error: Refused) -> HTMLResponse:
        status = 400 if isinstance(error, BadInput) else 403
        return notice(
            "Lien refusé" if status == 403 else "Réponse refusée", error=error.message_fr, status=status
        )

    def bad_input(token: str, purpose: Purpose, error: BadInput) -> HTMLResponse:
        refuse_input(runtime, token, purpose=purpose, error=error, now=runtime.clock.now())
        return refused(error)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
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

    app.include_router(auth_router(runtime, render))
    app.include_router(agenda_router(runtime, render))  # before /espace/{slug}
    app.include_router(accounts_router(runtime, render))  # before /espace/{slug}
    app.include_router(ateliers_router(runtime, render, on_change))
    app.include_router(steps_router(runtime, render, on_change))
    app.include_router(people_router(runtime, render))
    app.include_router(recruitment_router(runtime, render, on_change))
    app.include_router(avis_router(runtime, render))
    app.include_router(mandat_router(runtime))
    app.include_router(gates_router(runtime, render, on_change))
    app.include_router(messages_router(runtime, render))
    app.include_router(journal_router(runtime, render))
    app.include_router(public_router(runtime))
    app.include_router(follow_up_router(runtime, render))
    app.include_router(marks_router(runtime, render))
    app.include_router(evaluation_router(runtime, render))
    app.include_router(committee_router(runtime, render))
    app.include_router(operations_router(runtime))

    @app.get("/sante")
    def health() -> dict[str, str]:
        return {"etat": "ok"}

    def decision_view(
        token: str, *, error: str | None = None, comment: str = "", status: int = 200
    ) -> HTMLResponse:
        page = decision_page(runtime, token, now=runtime.clock.now())
        closed = short_datetime(page.closed_at) if page.closed_at else ""
        closed_text = f"Cette décision est close : elle est {STATUS_LABELS[page.status]}" + (
            f" depuis le {closed}." if closed else "."
        )
        return render(
            "decision.html",
            status,
            title="Décision du comité de pilotage",
            page=page,
            due_long=long_datetime(page.due_at),
            closed_text=closed_text,
            error=error,
            comment=comment,
            request_path=f"/decision/{token}",
        )

    @app.get("/decision/{token}", response_class=HTMLResponse)
    def show_decision(token: str) -> HTMLResponse:
        try:
            return decision_view(token)
        except Refused as error:
            return refused(error)

    @app.post("/decision/{token}", response_class=HTMLResponse)
    async def post_decision(token: str, request: Request) -> HTMLResponse:
        try:
            form = await read_form(request)
            chosen = parse_outcome(form.get("outcome"))
            comment = check_comment(form.get("comment", ""))
        except BadInput as error:
            return bad_input(token, "decision", error)
        try:
            if chosen is DecisionOutcome.REJECT and form.get("confirm") != "oui":
                # A rejection halts the atelier: ask once more, writing nothing.
                page = decision_page(runtime, token, now=runtime.clock.now())
                return render("confirm_reject.html", title="Confirmer le rejet", page=page, comment=comment)
            if chosen is DecisionOutcome.SEND_BACK and not (comment or "").strip():
                missing = BadInput(
                    "un renvoi pour reprise doit être motivé par un commentaire", "send back without comment"
                )
                refuse_input(runtime, token, purpose="decision", error=missing, now=runtime.clock.now())
                return decision_view(token, error=missing.message_fr, status=400)
            slug, result = decide_via_link(
                runtime, token, outcome=chosen, comment=comment, now=runtime.clock.now()
            )
        except Refused as error:
            return refused(error)
        if on_change is not None:
            on_change(slug)
        text = f"Votre décision est enregistrée : {OUTCOME_LABELS[chosen]}."
        if result.closed_now:
            text += f" Le quorum est atteint : la décision est {STATUS_LABELS[result.gate_status]}."
        return notice("Merci", message=text)

    @app.get("/decision/{token}/documents/{document_id}")
    def decision_document_download(token: str, document_id: int) -> Response:
        try:
            document = decision_document(runtime, token, document_id, now=runtime.clock.now())
        except Refused as error:
            return refused(error)
        data = files.get(document.digest)
        if data is None:
            return notice("Document indisponible", error="ce document n'est plus disponible", status=404)
        return document_response(document, data)

    @app.get("/reponse/{token}", response_class=HTMLResponse)
    def show_answer(token: str) -> HTMLResponse:
        try:
            page = answer_page(runtime, token, now=runtime.clock.now())
        except Refused as error:
            return refused(error)
        current_text = (
            "Vous avez déjà confirmé votre participation."
            if page.current is Answer.CONFIRM
            else "Vous nous avez déjà indiqué que vous ne participeriez pas."
        )
        return render("answer.html", title="Votre participation", page=page, current_text=current_text)

    @app.post("/reponse/{token}", response_class=HTMLResponse)
    def post_answer(token: str) -> HTMLResponse:
        try:
            slug, recorded = answer_via_link(runtime, token, now=runtime.clock.now())
        except Refused as error:
            return refused(error)
        if on_change is not None:
            on_change(slug)
        text = (
            "Merci, votre participation est confirmée."
            if recorded is Answer.CONFIRM
            else "C'est noté : vous ne participerez pas. Merci de nous avoir prévenus."
        )
        return notice("Votre réponse", message=text)

    return app
