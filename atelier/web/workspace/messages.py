"""The workspace's messages: what leaves in the next 14 days, what was sent, cancelled or
failed; each as its recipient reads it (the HTML in a sandboxed frame); resend a failed one;
suspend and resume all sending of the atelier."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select as sql_select
from sqlmodel import col, func, select

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.french import count
from atelier.i18n import short_datetime
from atelier.services.messages import resend_failed, set_sending_suspended
from atelier.web.deps import AtelierAccess, EditableAtelier, Forbidden, FormDep, RenderDep, RuntimeDep
from atelier.web.workspace.notices import notice_of, redirect_with_notice
from models import OutboxMessage
from models.enums import OutboxStatus
from models.types import pk
from notifications.compose import readable_address

UPCOMING = timedelta(days=14)
SHOWN = 300  # rows per list; the counts say how many there are in all
STATUS_LABELS = {
    OutboxStatus.PENDING: "programmé",
    OutboxStatus.SENT: "envoyé",
    OutboxStatus.CANCELLED: "annulé",
    OutboxStatus.FAILED: "en échec",
}
ORDER = list(STATUS_LABELS)
# The message's own HTML, framed: no script, no request anywhere, shown only in our page.
PREVIEW_HEADERS = {
    "Content-Security-Policy": (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    ),
    "X-Frame-Options": "SAMEORIGIN",
}


router = APIRouter(prefix="/espace/{slug}/messages")


@router.get("", response_class=HTMLResponse)
def messages_page(
    request: Request, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep
) -> HTMLResponse:
    user, slug = access.user, access.slug
    now = runtime.clock.now()
    shown = request.query_params.get("etat", "a-venir")
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
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
                "recipient": readable_address(recipient),
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
        counts=" · ".join(
            count(n, STATUS_LABELS[OutboxStatus(s)], "en échec" if s == OutboxStatus.FAILED else None)
            for s, n in sorted(counts.items(), key=lambda item: ORDER.index(OutboxStatus(item[0])))
        ),
        suspended=short_datetime(suspended) if suspended else None,
        message=notice_of(request, user),
        error=notice_of(request, user, error=True),
    )


def _message_of(runtime: Runtime, access: AtelierAccess, message_id: int) -> OutboxMessage:
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        message = session.get(OutboxMessage, message_id)
        if message is None or message.atelier_id != pk(atelier):
            raise Forbidden("ce message n'existe pas dans cet atelier", "unknown message")
        return message


@router.get("/{message_id}", response_class=HTMLResponse)
def message_page(
    message_id: int, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep
) -> HTMLResponse:
    message = _message_of(runtime, access, message_id)
    return render(
        "workspace/message.html",
        title=message.subject,
        user=access.user,
        slug=access.slug,
        outbox=message,
        recipient=readable_address(message.recipient),
        state=STATUS_LABELS[message.status],
        due=short_datetime(message.due_at),
        calendar=message.ics.decode("utf-8") if message.ics else None,
    )


@router.get("/{message_id}/html")
def message_html(message_id: int, access: EditableAtelier, runtime: RuntimeDep) -> Response:
    message = _message_of(runtime, access, message_id)
    return HTMLResponse(message.body_html, headers=PREVIEW_HEADERS)


def _done(access: AtelierAccess, text: str, *, error: bool = False) -> Response:
    return redirect_with_notice(f"/espace/{access.slug}/messages", access.user, text, error=error)


@router.post("/{message_id}/renvoyer")
def resend(message_id: int, access: EditableAtelier, _form: FormDep, runtime: RuntimeDep) -> Response:
    try:
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            resend_failed(
                session=session, atelier=atelier, message_id=message_id, person_id=access.user.person_id,
                now=runtime.clock.now(),
            )  # fmt: skip
    except Refused as error:
        return _done(access, error.message_fr, error=True)
    return _done(access, "Le message est de nouveau programmé ; il part dans la minute.")


@router.post("/envois")
def brake(access: EditableAtelier, form: FormDep, runtime: RuntimeDep) -> Response:
    suspend = form.get("action") == "suspendre"
    try:
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            set_sending_suspended(
                session=session, atelier=atelier, suspended=suspend, person_id=access.user.person_id,
                now=runtime.clock.now(),
            )  # fmt: skip
    except Refused as error:
        return _done(access, error.message_fr, error=True)
    return _done(
        access, "Envois suspendus." if suspend else "Envois repris : les messages en attente partent."
    )
