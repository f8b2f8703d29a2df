"""The evaluation survey's page, behind each person's signed link: GET shows the questions they are
asked (and their answers so far), POST records what they chose; answering again replaces them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.i18n import long_date
from atelier.links import LinkClaims
from atelier.services.ateliers import get_atelier
from atelier.services.evaluation import (
    evaluation_spec,
    questions_of,
    read_evaluation,
    record_evaluation,
    response_of,
    survey_state,
)
from atelier.services.timeline import get_step
from atelier.web.forms import read_form
from models import Person

Render = Callable[..., HTMLResponse]
EVALUATION_LINK_AGE = timedelta(days=120)  # the survey lasts a month or so; the link outlives a delay


def evaluation_router(runtime: Runtime, render: Render) -> APIRouter:
    router = APIRouter(prefix="/evaluation/{token}")

    def claims_of(token: str) -> LinkClaims:
        return runtime.signer.read(
            token, purpose="evaluation", now=runtime.clock.now(), max_age=EVALUATION_LINK_AGE
        )

    def page(token: str, *, error: str | None = None, message: str | None = None, status: int = 200
             ) -> HTMLResponse:  # fmt: skip
        try:
            claims = claims_of(token)
            with transaction(runtime.engine) as session:
                atelier = get_atelier(session=session, slug=claims.atelier)
                person = session.get(Person, claims.person_id)
                if person is None:
                    raise Refused("ce lien n'est pas valide", "evaluation link for an unknown person")
                questions = questions_of(session=session, atelier=atelier, person_id=claims.person_id)
                mine = response_of(session=session, atelier=atelier, person_id=claims.person_id)
                closes = get_step(session=session, atelier=atelier, key=evaluation_spec(atelier).step)
                context = {
                    "atelier_title": atelier.title,
                    "commanditaire": atelier.commanditaire,
                    "person_name": person.full_name,
                    "state": survey_state(session=session, atelier=atelier),
                    "closes_long": long_date(closes.forecast_end),
                    "questions": questions,
                    "mine": mine.answers if mine else {},
                    "comment": (mine.comment or "") if mine else "",
                }
        except Refused as refusal:
            return render("notice.html", 403, title="Lien refusé", error=refusal.message_fr)
        return render(
            "evaluation.html",
            status,
            title="Évaluation de la démarche",
            error=error,
            message=message,
            **context,
        )

    @router.get("", response_class=HTMLResponse)
    def show(token: str) -> HTMLResponse:
        return page(token)

    @router.post("", response_class=HTMLResponse)
    async def answer(token: str, request: Request) -> HTMLResponse:
        try:
            claims = claims_of(token)
            form = await read_form(request)
            with transaction(runtime.engine) as session:
                atelier = get_atelier(session=session, slug=claims.atelier)
                questions = questions_of(session=session, atelier=atelier, person_id=claims.person_id)
                record_evaluation(
                    session=session,
                    atelier=atelier,
                    person_id=claims.person_id,
                    evaluation=read_evaluation(questions, form),
                    now=runtime.clock.now(),
                )
        except Refused as error:
            return page(token, error=error.message_fr, status=400)
        return page(token, message="Merci : vos réponses sont enregistrées.")

    return router
