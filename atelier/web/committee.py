"""A citizen's page to take a seat on the comité de suivi, or leave it, behind their signed link:
GET shows the comité (its meetings, the seats taken), POST acts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from atelier.bootstrap import Runtime
from atelier.errors import Refused
from atelier.i18n import long_datetime
from atelier.services.committee import committee_of, is_member, join_committee, leave_committee
from atelier.web.citizen_links import linked, refused_page
from atelier.web.deps import Render, RenderDep, RuntimeDep
from atelier.web.forms import read_form

DONE = {
    "rejoindre": "Merci : vous faites partie du comité de suivi ; les invitations aux réunions suivent.",
    "quitter": "Vous ne faites plus partie du comité de suivi ; vos invitations aux réunions sont annulées.",
}


router = APIRouter(prefix="/comite-de-suivi/{token}")


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
        with linked(runtime, token, purpose="committee") as link:
            committee = committee_of(session=link.session, atelier=link.atelier)
            if committee is None:
                raise Refused("cet atelier n'a pas de comité de suivi", "committee link, no committee")
            context = {
                "atelier_title": link.atelier.title,
                "commanditaire": link.atelier.commanditaire,
                "person_name": link.person.full_name,
                "committee": committee,
                "meetings": [(name, long_datetime(when), held) for name, when, held in committee.meetings],
                "member": is_member(session=link.session, atelier=link.atelier, person_id=link.person_id),
            }
    except Refused as refusal:
        return refused_page(render, refusal)
    return render(
        "committee.html", status, title="Comité de suivi citoyen", error=error, message=message, **context
    )


@router.get("", response_class=HTMLResponse)
def show(token: str, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    return _page(runtime, render, token)


@router.post("", response_class=HTMLResponse)
async def act(token: str, request: Request, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    try:
        action = (await read_form(request)).get("action", "")
        if action not in DONE:
            raise Refused("la réponse doit être envoyée depuis le formulaire de la page", "bad action")
        change = join_committee if action == "rejoindre" else leave_committee
        with linked(runtime, token, purpose="committee") as link:
            change(session=link.session, atelier=link.atelier, person_id=link.person_id,
                   now=runtime.clock.now())  # fmt: skip
    except Refused as error:
        return _page(runtime, render, token, error=error.message_fr, status=400)
    return _page(runtime, render, token, message=DONE[action])
