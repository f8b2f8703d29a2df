"""The seal from the recruitment page: asking for it returns at once; the page then shows the
search's progress (an htmx fragment polled every few seconds, which reloads the page when the seal
ends) and survives a reload, since the lottery row holds it all (``atelier/services/sealing.py``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from atelier.db import transaction
from atelier.errors import Refused
from atelier.services.events import person_actor
from atelier.services.recruitment import ALGORITHM, find_lottery
from atelier.services.sealing import request_seal, withdraw_seal
from atelier.web.deps import FormDep
from atelier.web.workspace.recruitment import Here
from atelier.web.workspace.seal_view import seal_view

router = APIRouter(prefix="/espace/{slug}/recrutement")


@router.post("/sceller")
def seal_lottery(here: Here, form: FormDep) -> Response:
    runtime, user = here.runtime, here.access.user
    try:
        size = int(form.get("taille", "") or 0) or None
    except ValueError:
        return here.page(error="la taille du panel doit être un nombre entier", status=400)
    try:
        with transaction(runtime.engine) as session:
            request_seal(
                session=session,
                atelier=here.access.within(session),
                size=size,
                now=runtime.clock.now(),
                actor=person_actor(user.person_id),
                algorithm=form.get("algorithme", ALGORITHM),  # the service refuses an unknown one
                max_seconds=runtime.settings.lottery_max_seconds,
            )
    except Refused as error:
        return here.page(error=error.message_fr, status=400)
    return here.done(
        "Scellement demandé : le calcul des chances se fait en arrière-plan et cette page suit sa "
        "progression ; vous pouvez la quitter et y revenir."
    )


@router.post("/scellement/annuler")
def withdraw(here: Here, _form: FormDep) -> Response:
    runtime, user = here.runtime, here.access.user
    try:
        with transaction(runtime.engine) as session:
            withdraw_seal(
                session=session,
                atelier=here.access.within(session),
                now=runtime.clock.now(),
                actor=person_actor(user.person_id),
            )
    except Refused as error:
        return here.page(error=error.message_fr, status=400)
    return here.done("Scellement annulé : le vivier, les quotas et les règles peuvent de nouveau changer.")


@router.get("/scellement", response_class=HTMLResponse)
def seal_progress(here: Here) -> Response:
    """The seal's state for the page's polling; once it has ended, htmx reloads the whole page."""
    runtime = here.runtime
    with transaction(runtime.engine) as session:
        view = seal_view(
            find_lottery(session=session, atelier=here.access.within(session)), runtime.clock.now()
        )
    if view is None:
        return Response(status_code=200, headers={"HX-Refresh": "true"})
    return here.render("workspace/seal_fragment.html", 200, slug=here.access.slug, sealing=view)
