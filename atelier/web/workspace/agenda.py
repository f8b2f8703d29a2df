"""A workspace account's calendar subscription: a secret address (shown once, revocable) that
calendars read to show the events of every atelier the account follows."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from atelier.db import transaction
from atelier.services.accounts import SignedIn, revoke_feeds
from atelier.services.calendar_feeds import feed_calendar, new_feed
from atelier.web.deps import FormDep, Render, RenderDep, RuntimeDep, UserDep

router = APIRouter()


def _page(render: Render, user: SignedIn, **context: object) -> HTMLResponse:
    values: dict[str, object] = {"feed_url": None, "message": None}
    values.update(context)
    return render("workspace/agenda.html", title="Abonnement à l'agenda", user=user, **values)


@router.get("/espace/agenda", response_class=HTMLResponse)
def agenda_page(user: UserDep, render: RenderDep) -> HTMLResponse:
    return _page(render, user)


@router.post("/espace/agenda", response_class=HTMLResponse)
def change(user: UserDep, form: FormDep, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    now = runtime.clock.now()
    revoke = form.get("action") == "revoquer"
    with transaction(runtime.engine) as session:
        if revoke:
            revoke_feeds(session=session, account_id=user.account_id, now=now)
        else:
            token = new_feed(session=session, user=user, now=now)
    if revoke:
        return _page(render, user, message="L'adresse d'abonnement est révoquée : elle ne fonctionne plus.")
    url = f"{runtime.settings.public_base_url.rstrip('/')}/agenda/{token}.ics"
    return _page(render, user, feed_url=url)


@router.get("/agenda/{token}.ics")
def feed(token: str, runtime: RuntimeDep) -> Response:
    with transaction(runtime.engine) as session:
        data = feed_calendar(session=session, token=token, settings=runtime.settings, now=runtime.clock.now())
    if data is None:
        return Response(
            "Adresse d'abonnement inconnue ou révoquée.\n",
            status_code=404,
            media_type="text/plain; charset=utf-8",
        )
    return Response(data, media_type="text/calendar; charset=utf-8")
