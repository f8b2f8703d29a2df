"""The workspace's decisions: members, quorum progress, each decision with its round, comment
and channel; the documents under decision; a decision taken in a meeting (team) or one's own."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.i18n import long_datetime, short_datetime
from atelier.planning.quorum import votes_needed
from atelier.services.documents import MAX_DOCUMENT_BYTES, attach_document, documents_of
from atelier.services.gates import STATUS_LABELS, decide, gate_members, gates_of, get_gate, record_revision
from atelier.services.link_actions import BadInput, check_comment, parse_outcome
from atelier.storage import LocalFileStore
from atelier.web.deps import (
    AtelierAccess,
    EditableAtelier,
    Forbidden,
    FormDep,
    ReadableAtelier,
    Render,
    RenderDep,
    RuntimeDep,
    Trigger,
    TriggerDep,
    signed_upload,
)
from atelier.web.workspace.confirm import confirmation_page, confirmed, rehearsal
from atelier.web.workspace.notices import notice_of, redirect_with_notice
from models import Atelier, Decision, GateDocument, Person
from models.enums import OUTCOME_LABELS, DecisionChannel, DecisionOutcome, GateStatus
from models.types import pk

CHANNEL_LABELS = {
    DecisionChannel.LINK: "par lien",
    DecisionChannel.MEETING: "en séance",
    DecisionChannel.CLI: "en séance",
    DecisionChannel.SIMULATION: "par lien",
    DecisionChannel.WORKSPACE: "dans l'espace",
}


def document_response(document: GateDocument, data: bytes) -> Response:
    """A download, never shown inline: a document cannot run in our pages' origin."""
    return Response(
        data,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _gate_views(session: Session, atelier: Atelier, person_id: int) -> list[dict[str, object]]:
    views = []
    for gate in gates_of(session=session, atelier=atelier):
        members = gate_members(session=session, gate=gate)
        decisions = session.exec(
            select(Decision)
            .where(Decision.gate_id == pk(gate))
            .order_by(col(Decision.round), col(Decision.id))
        ).all()
        names = {pk(m): m.full_name for m in members}
        this_round = [d for d in decisions if d.round == gate.round]
        approvals = sum(1 for d in this_round if d.outcome is DecisionOutcome.APPROVE)
        documents = documents_of(session=session, gate=gate)
        views.append(
            {
                "key": gate.key,
                "name": gate.name,
                "decides": gate.decides,
                "status": STATUS_LABELS[gate.status],
                "open": gate.status is GateStatus.OPEN,
                "awaits_revision": gate.status is GateStatus.SENT_BACK and gate.revised_at is None,
                "closed": gate.status in (GateStatus.APPROVED, GateStatus.REJECTED),
                "round": gate.round,
                "due": long_datetime(gate.due_at),
                "needed": votes_needed(gate.quorum_rule, gate.quorum_n, len(members)) if members else 0,
                "approvals": approvals,
                "members": [
                    {
                        "id": pk(m),
                        "name": m.full_name,
                        "decided": any(d.person_id == pk(m) for d in this_round),
                    }
                    for m in members
                ],
                "decisions": [
                    {
                        "round": d.round,
                        "name": names.get(d.person_id, "?"),
                        "outcome": OUTCOME_LABELS[d.outcome],
                        "comment": d.comment or "",
                        "channel": CHANNEL_LABELS[d.channel],
                        "at": short_datetime(d.decided_at),
                    }
                    for d in decisions
                ],
                "documents": [
                    {"id": pk(doc), "round": doc.round, "filename": doc.filename, "size": doc.size}
                    for doc in documents
                ],
                "mine": gate.status is GateStatus.OPEN
                and any(pk(m) == person_id for m in members)
                and not any(d.person_id == person_id for d in this_round),
            }
        )
    return views


router = APIRouter(prefix="/espace/{slug}")


def _page(
    runtime: Runtime, render: Render, request: Request, access: AtelierAccess, *, error: str | None = None,
    status: int = 200, typed: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """The page; ``typed``: a refused form (``form``: which one) and what was typed in it."""
    user, slug, editable = access.user, access.slug, access.editable
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        views = _gate_views(session, atelier, user.person_id)
        title = atelier.title
    return render(
        "workspace/gates.html",
        status,
        title=f"Décisions — {title}",
        user=user,
        slug=slug,
        gates=views,
        editable=editable,
        error=error,
        message=notice_of(request, user),
        typed=typed or {"form": ""},
    )


def _changed(access: AtelierAccess, on_change: Trigger, message: str) -> Response:
    on_change(access.slug)
    return redirect_with_notice(f"/espace/{access.slug}/decisions", access.user, message, anchor="#contenu")


@router.get("/decisions", response_class=HTMLResponse)
def gates_page(
    request: Request, access: ReadableAtelier, runtime: RuntimeDep, render: RenderDep
) -> HTMLResponse:
    return _page(runtime, render, request, access)


@router.post("/decisions/{gate_key}/documents")
async def upload(
    gate_key: str, request: Request, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep,
    on_change: TriggerDep,
) -> Response:  # fmt: skip
    try:
        upload = await signed_upload(request, access.user, field="document", limit=MAX_DOCUMENT_BYTES)
    except BadInput:
        return _page(
            runtime, render, request, access, error="envoyez le document depuis le formulaire", status=400
        )
    if upload is None:
        return _page(runtime, render, request, access, error="choisissez un document", status=400)
    filename, data = upload
    try:
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            document = attach_document(
                session=session, atelier=atelier, gate_key=gate_key, filename=filename, data=data,
                store=LocalFileStore(runtime.settings.files_dir), person_id=access.user.person_id,
                now=runtime.clock.now(),
            )  # fmt: skip
            name = document.filename
    except Refused as error:
        return _page(runtime, render, request, access, error=error.message_fr, status=400)
    return _changed(access, on_change, f"Document « {name} » joint.")


def _record(
    runtime: Runtime, render: Render, on_change: Trigger, request: Request, access: AtelierAccess,
    form: dict[str, str], gate_key: str, *, own: bool,
) -> Response:  # fmt: skip
    user = access.user
    try:
        outcome = parse_outcome(form.get("outcome"))
        comment = check_comment(form.get("comment", ""))
        # A rejection stops the atelier: checked first (a refusal shows at once), then confirmed.
        asking = outcome is DecisionOutcome.REJECT and not confirmed(form)
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            gate = get_gate(session=session, atelier=atelier, key=gate_key)
            member_id = user.person_id if own else int(form.get("membre", "0") or 0)
            person = session.get(Person, member_id)
            if person is None:
                raise BadInput("choisissez le membre qui a décidé", "no member chosen")
            with rehearsal(session, keep=not asking):
                decide(
                    session=session, atelier=atelier, gate_key=gate_key, person=person, outcome=outcome,
                    comment=comment, channel=DecisionChannel.WORKSPACE if own else DecisionChannel.MEETING,
                    now=runtime.clock.now(), entered_by=None if own else user.person_id,
                )  # fmt: skip
            who, what = ("Vous rejetez" if own else f"{person.full_name} rejette"), gate.name
    except (Refused, ValueError) as error:
        message = error.message_fr if isinstance(error, Refused) else "choisissez le membre qui a décidé"
        typed = {"form": ("ma-" if own else "seance-") + gate_key}
        typed |= {name: form.get(name, "") for name in ("outcome", "comment", "membre")}
        return _page(runtime, render, request, access, error=message, status=400, typed=typed)
    if asking:
        return confirmation_page(
            render, access, question=f"Rejeter « {what} » ?", form=form, action=request.url.path,
            consequence=f"{who} « {what} ». Si ce rejet réunit le quorum, la décision est rejetée et "
            "l'atelier s'arrête : aucune phase ne reprend ensuite.",
            button="Confirmer le rejet",
        )  # fmt: skip
    return _changed(access, on_change, f"Décision enregistrée : {OUTCOME_LABELS[outcome]}.")


@router.post("/decisions/{gate_key}/seance")
def record_meeting_decision(
    gate_key: str, request: Request, access: EditableAtelier, form: FormDep, runtime: RuntimeDep,
    render: RenderDep, on_change: TriggerDep,
) -> Response:  # fmt: skip
    return _record(runtime, render, on_change, request, access, form, gate_key, own=False)


@router.post("/decisions/{gate_key}/ma-decision")
def record_own_decision(
    gate_key: str, request: Request, access: ReadableAtelier, form: FormDep, runtime: RuntimeDep,
    render: RenderDep, on_change: TriggerDep,
) -> Response:  # fmt: skip
    return _record(runtime, render, on_change, request, access, form, gate_key, own=True)


@router.post("/decisions/{gate_key}/version-revisee")
def revise(
    gate_key: str, request: Request, access: EditableAtelier, form: FormDep, runtime: RuntimeDep,
    render: RenderDep, on_change: TriggerDep,
) -> Response:  # fmt: skip
    try:
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            gate = record_revision(
                session=session, atelier=atelier, gate_key=gate_key, note=form.get("note", ""),
                now=runtime.clock.now(),
            )  # fmt: skip
            due = long_datetime(gate.due_at)
    except Refused as error:
        typed = {"form": f"note-{gate_key}", "note": form.get("note", "")}
        return _page(runtime, render, request, access, error=error.message_fr, status=400, typed=typed)
    return _changed(
        access,
        on_change,
        f"Version révisée enregistrée : les membres sont sollicités, réponse attendue avant le {due}.",
    )


@router.get("/documents/{document_id}")
def download(document_id: int, access: ReadableAtelier, runtime: RuntimeDep) -> Response:
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        document = session.get(GateDocument, document_id)
        gate_ids = {pk(g) for g in gates_of(session=session, atelier=atelier)}
        if document is None or document.gate_id not in gate_ids:
            raise Forbidden("ce document n'existe pas ou ne vous est pas ouvert", "unknown document")
    data = LocalFileStore(runtime.settings.files_dir).get(document.digest)
    if data is None:
        raise Forbidden("ce document n'est plus disponible", "document bytes missing")
    return document_response(document, data)
