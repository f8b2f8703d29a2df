"""A citizen's page to take a seat on the comité de suivi, or leave it, behind their signed link:
GET shows the comité (its meetings, the seats taken), POST acts."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.i18n import long_datetime
from atelier.links import LinkClaims
from atelier.services.ateliers import get_atelier
from atelier.services.committee import committee_of, is_member, join_committee, leave_committee
from atelier.web.follow_up import FOLLOW_UP_LINK_AGE
from atelier.web.forms import read_form
from models import Person

Render = Callable[..., HTMLResponse]
DONE = {
    "rejoindre": "Merci : vous faites partie du comité de suivi ; les invitations aux réunions suivent.",
    "quitter": "Vous ne faites plus partie du comité de suivi ; vos invitations aux réunions sont annulées.",
}


def committee_router(runtime: Runtime, render: Render) -> APIRouter:
    router = APIRouter(prefix="/comite-de-suivi/{token}")

    def claims_of(token: str) -> LinkClaims:
        return runtime.signer.read(
            token, purpose="committee", now=runtime.clock.now(), max_age=FOLLOW_UP_LINK_AGE
        )

    def page(token: str, *, error: str | None = None, message: str | None = None, status: int = 200
             ) -> HTMLResponse:  # fmt: skip
        try:
            claims = claims_of(token)
            with transaction(runtime.engine) as session:
                atelier = get_atelier(session=session, slug=claims.atelier)
                person = session.get(Person, claims.person_id)
                committee = committee_of(session=session, atelier=atelier)
                if person is None or committee is None:
                    raise Refused("ce lien n'est pas valide", "committee link for nothing known")
                context = {
                    "atelier_title": atelier.title,
                    "commanditaire": atelier.commanditaire,
                    "person_name": person.full_name,
                    "committee": committee,
                    "meetings": [
                        (name, long_datetime(when), held) for name, when, held in committee.meetings
                    ],
                    "member": is_member(session=session, atelier=atelier, person_id=claims.person_id),
                }
        except Refused as refusal:
            return render("notice.html", 403, title="Lien refusé", error=refusal.message_fr)
        return render(
            "committee.html", status, title="Comité de suivi citoyen", error=error, message=message, **context
        )

    @router.get("", response_class=HTMLResponse)
    def show(token: str) -> HTMLResponse:
        return page(token)

    @router.post("", response_class=HTMLResponse)
    async def act(token: str, request: Request) -> HTMLResponse:
        try:
            claims = claims_of(token)
            action = (await read_form(request)).get("action", "")
            if action not in ("rejoindre", "quitter"):
                raise Refused("la réponse doit être envoyée depuis le formulaire de la page", "bad action")
            with transaction(runtime.engine) as session:
                atelier = get_atelier(session=session, slug=claims.atelier)
                change = join_committee if action == "rejoindre" else leave_committee
                change(session=session, atelier=atelier, person_id=claims.person_id, now=runtime.clock.now())
        except Refused as error:
            return page(token, error=error.message_fr, status=400)
        return page(token, message=DONE[action])

    return router
