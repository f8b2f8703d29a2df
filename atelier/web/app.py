"""FastAPI app: the pages behind the links sent to COPIL members and citizens (French)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from atelier.bootstrap import Runtime
from atelier.errors import Refused
from atelier.i18n import long_datetime
from atelier.services.gates import STATUS_LABELS
from atelier.web.actions import answer_via_link, decide_via_link, decision_page
from models.enums import OUTCOME_LABELS, Answer, DecisionOutcome

# Called with the atelier's slug after a recorded decision or answer, to advance it.
Trigger = Callable[[str], None]


def create_app(runtime: Runtime, *, on_change: Trigger | None = None) -> FastAPI:
    app = FastAPI(title="atelier", docs_url=None, redoc_url=None, openapi_url=None)
    pages = Environment(
        loader=PackageLoader("atelier.web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        undefined=StrictUndefined,
    )

    def render(status: int = 200, **context: object) -> HTMLResponse:
        values: dict[str, object] = {"error": None, "page": None, "message": None, "due_long": ""}
        values.update(context)
        return HTMLResponse(pages.get_template("page.html").render(**values), status_code=status)

    @app.get("/sante")
    def health() -> dict[str, str]:
        return {"etat": "ok"}

    @app.get("/decision/{token}", response_class=HTMLResponse)
    def show_decision(token: str) -> HTMLResponse:
        try:
            page = decision_page(runtime, token, now=runtime.clock.now())
        except Refused as error:
            return render(403, title="Lien refusé", error=error.message_fr)
        return render(title="Décision du comité de pilotage", page=page, due_long=long_datetime(page.due_at))

    @app.post("/decision/{token}", response_class=HTMLResponse)
    def post_decision(
        token: str,
        outcome: Annotated[str, Form()],
        comment: Annotated[str, Form(max_length=4000)] = "",
    ) -> HTMLResponse:
        try:
            chosen = DecisionOutcome(outcome)
        except ValueError:
            return render(400, title="Décision invalide", error="choix inconnu")
        try:
            slug, result = decide_via_link(
                runtime, token, outcome=chosen, comment=comment, now=runtime.clock.now()
            )
        except Refused as error:
            return render(403, title="Décision refusée", error=error.message_fr)
        if on_change is not None:
            on_change(slug)
        text = f"Votre décision est enregistrée : {OUTCOME_LABELS[chosen]}."
        if result.closed_now:
            text += f" Le quorum est atteint : la décision est {STATUS_LABELS[result.gate_status]}."
        return render(title="Merci", message=text)

    @app.get("/reponse/{token}", response_class=HTMLResponse)
    def answer(token: str) -> HTMLResponse:
        try:
            slug, recorded = answer_via_link(runtime, token, now=runtime.clock.now())
        except Refused as error:
            return render(403, title="Lien refusé", error=error.message_fr)
        if on_change is not None:
            on_change(slug)
        text = (
            "Merci, votre participation est confirmée."
            if recorded is Answer.CONFIRM
            else "C'est noté : vous ne participerez pas. Merci de nous avoir prévenus."
        )
        return render(title="Votre réponse", message=text)

    return app
