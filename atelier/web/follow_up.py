"""The citizens' link to stop the follow-up notices: GET shows what it does, POST does it (mail
scanners open every link; only a person confirms). Valid as long as the follow-up lasts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.links import LinkClaims
from atelier.services.ateliers import get_atelier
from atelier.services.follow_up import stop_notices, stopped_people
from models import Person

Render = Callable[..., HTMLResponse]
FOLLOW_UP_LINK_AGE = timedelta(days=3 * 365)  # the follow-up of an avis runs over years


def follow_up_router(runtime: Runtime, render: Render) -> APIRouter:
    router = APIRouter(prefix="/suivi/arret/{token}")

    def claims_of(token: str) -> LinkClaims:
        return runtime.signer.read(
            token, purpose="follow_up", now=runtime.clock.now(), max_age=FOLLOW_UP_LINK_AGE
        )

    def refused(error: Refused) -> HTMLResponse:
        return render("notice.html", 403, title="Lien refusé", error=error.message_fr)

    @router.get("", response_class=HTMLResponse)
    def confirm_page(token: str) -> HTMLResponse:
        try:
            claims = claims_of(token)
            with transaction(runtime.engine) as session:
                atelier = get_atelier(session=session, slug=claims.atelier)
                person = session.get(Person, claims.person_id)
                if person is None:
                    raise Refused("ce lien n'est pas valide", "follow-up link for an unknown person")
                stopped = claims.person_id in stopped_people(session=session, atelier=atelier)
                title, name = atelier.title, person.full_name
        except Refused as error:
            return refused(error)
        return render("follow_up_stop.html", title="Les suites données à votre avis", atelier_title=title,
                      person_name=name, stopped=stopped)  # fmt: skip

    @router.post("", response_class=HTMLResponse)
    def stop(token: str) -> HTMLResponse:
        try:
            claims = claims_of(token)
            with transaction(runtime.engine) as session:
                atelier = get_atelier(session=session, slug=claims.atelier)
                stop_notices(
                    session=session, atelier=atelier, person_id=claims.person_id, now=runtime.clock.now()
                )
        except Refused as error:
            return refused(error)
        return render(
            "notice.html",
            title="Les suites données à votre avis",
            message="C'est noté : vous ne recevrez plus ces nouvelles. Elles restent publiées sur la page "
            "publique de l'atelier.",
        )

    return router
