"""The mandat de participation of an atelier, drafted from its data (team only): a printable
page to review, print to PDF and send with the invitations. ``atelier mandat`` writes it too."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from atelier.db import transaction
from atelier.services.mandat import mandat_of
from atelier.services.public_files import mandat_html
from atelier.web.deps import EditableAtelier, RuntimeDep
from atelier.web.public import STANDALONE_PAGE_CSP

router = APIRouter()


@router.get("/espace/{slug}/mandat", response_class=HTMLResponse)
def mandat_page(access: EditableAtelier, runtime: RuntimeDep) -> HTMLResponse:
    with transaction(runtime.engine) as session:
        mandat = mandat_of(session=session, atelier=access.atelier, team_email=runtime.settings.team_email)
    return HTMLResponse(mandat_html(mandat), headers={"Content-Security-Policy": STANDALONE_PAGE_CSP})
