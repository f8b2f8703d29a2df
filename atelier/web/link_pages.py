"""The pages behind the links sent by e-mail: a COPIL member's decision (``/decision/…``) and a
citizen's answer to the invitation (``/reponse/…``).

GET shows, POST acts: mail scanners and link prefetchers open every link of a message. A refused
link or answer shows a French page saying why, and writes nothing but the refusal's trace.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from atelier.bootstrap import Runtime
from atelier.errors import Refused
from atelier.i18n import long_datetime, short_datetime
from atelier.links import Purpose
from atelier.services.gates import STATUS_LABELS
from atelier.services.link_actions import (
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
from atelier.storage import LocalFileStore
from atelier.web.deps import PagesDep, RuntimeDep, TriggerDep
from atelier.web.forms import read_form
from atelier.web.pages import Pages
from atelier.web.workspace.gates import document_response
from models.enums import OUTCOME_LABELS, Answer, DecisionOutcome

router = APIRouter()


def refused_page(pages: Pages, error: Refused) -> HTMLResponse:
    status = 400 if isinstance(error, BadInput) else 403
    title = "Lien refusé" if status == 403 else "Réponse refusée"
    return pages.notice(title, error=error.message_fr, status=status)


def _decision_view(
    runtime: Runtime, pages: Pages, token: str, *, error: str | None = None, comment: str = "",
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    page = decision_page(runtime, token, now=runtime.clock.now())
    closed = short_datetime(page.closed_at) if page.closed_at else ""
    closed_text = f"Cette décision est close : elle est {STATUS_LABELS[page.status]}" + (
        f" depuis le {closed}." if closed else "."
    )
    return pages.render(
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


@router.get("/decision/{token}", response_class=HTMLResponse)
def show_decision(token: str, runtime: RuntimeDep, pages: PagesDep) -> HTMLResponse:
    try:
        return _decision_view(runtime, pages, token)
    except Refused as error:
        return refused_page(pages, error)


@router.post("/decision/{token}", response_class=HTMLResponse)
async def post_decision(
    token: str, request: Request, runtime: RuntimeDep, pages: PagesDep, on_change: TriggerDep
) -> HTMLResponse:
    now = runtime.clock.now()

    def refuse(purpose: Purpose, error: BadInput) -> None:
        refuse_input(runtime, token, purpose=purpose, error=error, now=now)

    try:
        form = await read_form(request)
        chosen = parse_outcome(form.get("outcome"))
        comment = check_comment(form.get("comment", ""))
    except BadInput as error:
        refuse("decision", error)
        return refused_page(pages, error)
    try:
        if chosen is DecisionOutcome.REJECT and form.get("confirm") != "oui":
            # A rejection halts the atelier: ask once more, writing nothing.
            page = decision_page(runtime, token, now=now)
            return pages.render("confirm_reject.html", title="Confirmer le rejet", page=page, comment=comment)
        if chosen is DecisionOutcome.SEND_BACK and not (comment or "").strip():
            missing = BadInput(
                "un renvoi pour reprise doit être motivé par un commentaire", "send back without comment"
            )
            refuse("decision", missing)
            return _decision_view(runtime, pages, token, error=missing.message_fr, status=400)
        slug, result = decide_via_link(runtime, token, outcome=chosen, comment=comment, now=now)
    except Refused as error:
        return refused_page(pages, error)
    on_change(slug)
    text = f"Votre décision est enregistrée : {OUTCOME_LABELS[chosen]}."
    if result.closed_now:
        text += f" Le quorum est atteint : la décision est {STATUS_LABELS[result.gate_status]}."
    return pages.notice("Merci", message=text)


@router.get("/decision/{token}/documents/{document_id}")
def decision_document_download(
    token: str, document_id: int, runtime: RuntimeDep, pages: PagesDep
) -> Response:
    try:
        document = decision_document(runtime, token, document_id, now=runtime.clock.now())
    except Refused as error:
        return refused_page(pages, error)
    data = LocalFileStore(runtime.settings.files_dir).get(document.digest)
    if data is None:
        return pages.notice("Document indisponible", error="ce document n'est plus disponible", status=404)
    return document_response(document, data)


@router.get("/reponse/{token}", response_class=HTMLResponse)
def show_answer(token: str, runtime: RuntimeDep, pages: PagesDep) -> HTMLResponse:
    try:
        page = answer_page(runtime, token, now=runtime.clock.now())
    except Refused as error:
        return refused_page(pages, error)
    current_text = (
        "Vous avez déjà confirmé votre participation."
        if page.current is Answer.CONFIRM
        else "Vous nous avez déjà indiqué que vous ne participeriez pas."
    )
    return pages.render("answer.html", title="Votre participation", page=page, current_text=current_text)


@router.post("/reponse/{token}", response_class=HTMLResponse)
def post_answer(token: str, runtime: RuntimeDep, pages: PagesDep, on_change: TriggerDep) -> HTMLResponse:
    try:
        slug, recorded = answer_via_link(runtime, token, now=runtime.clock.now())
    except Refused as error:
        return refused_page(pages, error)
    on_change(slug)
    text = (
        "Merci, votre participation est confirmée."
        if recorded is Answer.CONFIRM
        else "C'est noté : vous ne participerez pas. Merci de nous avoir prévenus."
    )
    return pages.notice("Votre réponse", message=text)
