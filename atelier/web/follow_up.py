"""The citizens' link to stop the follow-up notices: GET shows what it does, POST does it (mail
scanners open every link; only a person confirms). Valid as long as the follow-up lasts."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from atelier.errors import Refused
from atelier.services.follow_up import stop_notices, stopped_people
from atelier.web.citizen_links import linked, refused_page
from atelier.web.deps import RenderDep, RuntimeDep

router = APIRouter(prefix="/suivi/arret/{token}")


@router.get("", response_class=HTMLResponse)
def confirm_page(token: str, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    try:
        with linked(runtime, token, purpose="follow_up") as link:
            stopped = link.person_id in stopped_people(session=link.session, atelier=link.atelier)
            title, name = link.atelier.title, link.person.full_name
    except Refused as error:
        return refused_page(render, error)
    return render("follow_up_stop.html", title="Les suites données à votre avis", atelier_title=title,
                  person_name=name, stopped=stopped)  # fmt: skip


@router.post("", response_class=HTMLResponse)
def stop(token: str, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    try:
        with linked(runtime, token, purpose="follow_up") as link:
            stop_notices(session=link.session, atelier=link.atelier, person_id=link.person_id,
                         now=runtime.clock.now())  # fmt: skip
    except Refused as error:
        return refused_page(render, error)
    return render(
        "notice.html",
        title="Les suites données à votre avis",
        message="C'est noté : vous ne recevrez plus ces nouvelles. Elles restent publiées sur la page "
        "publique de l'atelier.",
    )
