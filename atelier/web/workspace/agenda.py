"""A workspace account's calendar subscription: a secret address (shown once, revocable) that
calendars read to show the events of every atelier the account follows."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.services.calendar_feeds import feed_calendar, new_feed, revoke_feeds
from atelier.web.workspace.auth import signed_form, signed_in_user

Render = Callable[..., HTMLResponse]


def agenda_router(runtime: Runtime, render: Render) -> APIRouter:
    router = APIRouter()

    def page(request: Request, **context: object) -> HTMLResponse:
        values: dict[str, object] = {"feed_url": None, "message": None}
        values.update(context)
        return render(
            "workspace/agenda.html",
            title="Abonnement à l'agenda",
            user=signed_in_user(runtime, request),
            **values,
        )

    @router.get("/espace/agenda", response_class=HTMLResponse)
    def agenda_page(request: Request) -> HTMLResponse:
        return page(request)

    @router.post("/espace/agenda", response_class=HTMLResponse)
    async def change(request: Request) -> HTMLResponse:
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        now = runtime.clock.now()
        revoke = form.get("action") == "revoquer"
        with transaction(runtime.engine) as session:
            if revoke:
                revoke_feeds(session=session, account_id=user.account_id, now=now)
            else:
                token = new_feed(session=session, user=user, now=now)
        if revoke:
            return page(request, message="L'adresse d'abonnement est révoquée : elle ne fonctionne plus.")
        url = f"{runtime.settings.public_base_url.rstrip('/')}/agenda/{token}.ics"
        return page(request, feed_url=url)

    @router.get("/agenda/{token}.ics")
    def feed(token: str) -> Response:
        with transaction(runtime.engine) as session:
            data = feed_calendar(
                session=session, token=token, settings=runtime.settings, now=runtime.clock.now()
            )
        if data is None:
            return Response(
                "Adresse d'abonnement inconnue ou révoquée.\n",
                status_code=404,
                media_type="text/plain; charset=utf-8",
            )
        return Response(data, media_type="text/calendar; charset=utf-8")

    return router
