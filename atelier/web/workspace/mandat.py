"""The mandat de participation of an atelier, drafted from its data (team only): a printable
page to review, print to PDF and send with the invitations. ``atelier mandat`` writes it too."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.services.mandat import mandat_of
from atelier.web.public import STANDALONE_PAGE_CSP, mandat_html
from atelier.web.workspace.auth import atelier_for, signed_in_user


def mandat_router(runtime: Runtime) -> APIRouter:
    router = APIRouter()

    @router.get("/espace/{slug}/mandat", response_class=HTMLResponse)
    def mandat_page(slug: str, request: Request) -> HTMLResponse:
        user = signed_in_user(runtime, request)
        with transaction(runtime.engine) as session:
            atelier, _ = atelier_for(session, user, slug, edit=True)
            mandat = mandat_of(session=session, atelier=atelier, team_email=runtime.settings.team_email)
        return HTMLResponse(mandat_html(mandat), headers={"Content-Security-Policy": STANDALONE_PAGE_CSP})

    return router
