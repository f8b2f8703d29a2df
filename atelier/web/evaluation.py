"""The evaluation survey's page, behind each person's signed link: GET shows the questions they are
asked (and their answers so far), POST records what they chose; answering again replaces them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from atelier.bootstrap import Runtime
from atelier.errors import Refused
from atelier.i18n import long_date
from atelier.links import EVALUATION_LINK_AGE
from atelier.services.evaluation import (
    evaluation_spec,
    questions_of,
    read_evaluation,
    record_evaluation,
    response_of,
    survey_state,
)
from atelier.services.timeline import get_step
from atelier.web.citizen_links import linked, refused_page
from atelier.web.deps import Render, RenderDep, RuntimeDep
from atelier.web.forms import read_form

router = APIRouter(prefix="/evaluation/{token}")


def _page(
    runtime: Runtime,
    render: Render,
    token: str,
    *,
    error: str | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        with linked(runtime, token, purpose="evaluation", max_age=EVALUATION_LINK_AGE) as link:
            session, atelier = link.session, link.atelier
            mine = response_of(session=session, atelier=atelier, person_id=link.person_id)
            closes = get_step(session=session, atelier=atelier, key=evaluation_spec(atelier).step)
            context = {
                "atelier_title": atelier.title,
                "commanditaire": atelier.commanditaire,
                "person_name": link.person.full_name,
                "state": survey_state(session=session, atelier=atelier),
                "closes_long": long_date(closes.forecast_end),
                "questions": questions_of(session=session, atelier=atelier, person_id=link.person_id),
                "mine": mine.answers if mine else {},
                "comment": (mine.comment or "") if mine else "",
            }
    except Refused as refusal:
        return refused_page(render, refusal)
    return render(
        "evaluation.html",
        status,
        title="Évaluation de la démarche",
        error=error,
        message=message,
        **context,
    )


@router.get("", response_class=HTMLResponse)
def show(token: str, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    return _page(runtime, render, token)


@router.post("", response_class=HTMLResponse)
async def answer(token: str, request: Request, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    try:
        form = await read_form(request)
        with linked(runtime, token, purpose="evaluation", max_age=EVALUATION_LINK_AGE) as link:
            questions = questions_of(session=link.session, atelier=link.atelier, person_id=link.person_id)
            evaluation = read_evaluation(questions, form)
            record_evaluation(session=link.session, atelier=link.atelier, person_id=link.person_id,
                              evaluation=evaluation, now=runtime.clock.now())  # fmt: skip
    except Refused as error:
        return _page(runtime, render, token, error=error.message_fr, status=400)
    return _page(runtime, render, token, message="Merci : vos réponses sont enregistrées.")
