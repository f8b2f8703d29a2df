"""The workspace's messages: what leaves in the next 14 days, what was sent, cancelled or
failed; each as its recipient reads it (the HTML in a sandboxed frame); resend a failed one;
suspend and resume all sending of the atelier."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select as sql_select
from sqlmodel import col, func, select

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.i18n import short_datetime
from atelier.services.accounts import SignedIn
from atelier.services.messages import resend_failed, set_sending_suspended
from atelier.web.workspace.auth import Forbidden, atelier_for, signed_form, signed_in_user
from atelier.web.workspace.notices import notice_of, redirect_with_notice
from models import OutboxMessage
from models.enums import OutboxStatus
from models.types import pk

Render = Callable[..., HTMLResponse]

UPCOMING = timedelta(days=14)
SHOWN = 300  # rows per list; the counts say how many there are in all
STATUS_LABELS = {
    OutboxStatus.PENDING: "programmé",
    OutboxStatus.SENT: "envoyé",
    OutboxStatus.CANCELLED: "annulé",
    OutboxStatus.FAILED: "en échec",
}
# The message's own HTML, framed: no script, no request anywhere, shown only in our page.
PREVIEW_HEADERS = {
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
}


def messages_router(runtime: Runtime, render: Render) -> APIRouter:
    router = APIRouter(prefix="/espace/{slug}/messages")

    @router.get("", response_class=HTMLResponse)
    def messages_page(slug: str, request: Request) -> HTMLResponse:
        user = signed_in_user(runtime, request)
        now = runtime.clock.now()
        shown = request.query_params.get("etat", "a-venir")
        with transaction(runtime.engine) as session:
            atelier, _ = atelier_for(session, user, slug, edit=True)
            counts = dict(
                session.exec(
                    select(OutboxMessage.status, func.count())
                    .where(OutboxMessage.atelier_id == pk(atelier))
                    .group_by(OutboxMessage.status)
                ).all()
            )
            # Only what the list shows: the bodies and invites of thousands of rows stay in the database.
            t = OutboxMessage
            columns = (t.id, t.due_at, t.sent_at, t.recipient, t.subject, t.status, t.last_error)
            query = sql_select(*(col(c) for c in columns)).where(col(t.atelier_id) == pk(atelier))
            if shown == "a-venir":
                query = query.where(
                    col(t.status) == OutboxStatus.PENDING, col(t.due_at) <= now + UPCOMING
                ).order_by(col(t.due_at))
            else:
                status = {"envoyes": OutboxStatus.SENT, "annules": OutboxStatus.CANCELLED}.get(
                    shown, OutboxStatus.FAILED
                )
                query = query.where(col(t.status) == status).order_by(col(t.due_at).desc())
            rows = [
                {
                    "id": message_id,
                    "due": short_datetime(due_at),
                    "sent": short_datetime(sent_at) if sent_at else "",
                    "recipient": recipient,
                    "subject": subject,
                    "status": STATUS_LABELS[OutboxStatus(status)],
                    "failed": OutboxStatus(status) is OutboxStatus.FAILED,
                    "error": last_error or "",
                }
                for message_id, due_at, sent_at, recipient, subject, status, last_error in session.execute(
                    query.limit(SHOWN)
                ).all()
            ]
            suspended = atelier.sending_suspended_at
            title = atelier.title
        return render(
            "workspace/messages.html",
            title=f"Messages — {title}",
            user=user,
            slug=slug,
            rows=rows,
            shown=shown,
            counts={STATUS_LABELS[OutboxStatus(s)]: n for s, n in counts.items()},
            suspended=short_datetime(suspended) if suspended else None,
            message=notice_of(request, user),
            error=notice_of(request, user, error=True),
        )

    def message_of(slug: str, request: Request, message_id: int) -> OutboxMessage:
        user = signed_in_user(runtime, request)
        with transaction(runtime.engine) as session:
            atelier, _ = atelier_for(session, user, slug, edit=True)
            message = session.get(OutboxMessage, message_id)
            if message is None or message.atelier_id != pk(atelier):
                raise Forbidden("ce message n'existe pas dans cet atelier", "unknown message")
            return message

    @router.get("/{message_id}", response_class=HTMLResponse)
    def message_page(slug: str, message_id: int, request: Request) -> HTMLResponse:
        message = message_of(slug, request, message_id)
        return render(
            "workspace/message.html",
            title=message.subject,
            user=signed_in_user(runtime, request),
            slug=slug,
            outbox=message,
            state=STATUS_LABELS[message.status],
            due=short_datetime(message.due_at),
            calendar=message.ics.decode("utf-8") if message.ics else None,
        )

    @router.get("/{message_id}/html")
    def message_html(slug: str, message_id: int, request: Request) -> Response:
        message = message_of(slug, request, message_id)
        return HTMLResponse(message.body_html, headers=PREVIEW_HEADERS)

    def done(slug: str, user: SignedIn, text: str, *, error: bool = False) -> Response:
        return redirect_with_notice(f"/espace/{slug}/messages", user, text, error=error)

    @router.post("/{message_id}/renvoyer")
    async def resend(slug: str, message_id: int, request: Request) -> Response:
        user = signed_in_user(runtime, request)
        await signed_form(request, user)
        try:
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                resend_failed(
                    session=session, atelier=atelier, message_id=message_id, person_id=user.person_id,
                    now=runtime.clock.now(),
                )  # fmt: skip
        except Refused as error:
            return done(slug, user, error.message_fr, error=True)
        return done(slug, user, "Le message est de nouveau programmé ; il part dans la minute.")

    @router.post("/envois")
    async def brake(slug: str, request: Request) -> Response:
        user = signed_in_user(runtime, request)
        form = await signed_form(request, user)
        suspend = form.get("action") == "suspendre"
        try:
            with transaction(runtime.engine) as session:
                atelier, _ = atelier_for(session, user, slug, edit=True)
                set_sending_suspended(
                    session=session, atelier=atelier, suspended=suspend, person_id=user.person_id,
                    now=runtime.clock.now(),
                )  # fmt: skip
        except Refused as error:
            return done(slug, user, error.message_fr, error=True)
        return done(
            slug, user, "Envois suspendus." if suspend else "Envois repris : les messages en attente partent."
        )

    return router
