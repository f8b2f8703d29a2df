"""The avis page of an atelier (team only): the avis as the citizens validated it, the
commanditaire's answer to each proposal, their publication, and the link to the public record.
The command line (``atelier avis …``) does the same."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from atelier.avis.sheets import STATUS_LABELS, AnswerIn, read_answers, read_proposals
from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.french import count
from atelier.i18n import long_datetime, percent, short_date
from atelier.services.avis import (
    avis_weekend,
    current_answers,
    current_avis,
    draft_avis,
    proposals_of,
    publish_answers,
    publish_avis,
    record_answers,
    record_avis,
)
from atelier.services.committee import committee_of
from atelier.services.evaluation import evaluation_results
from atelier.services.events import person_actor
from atelier.services.follow_up import STATE_LABELS, record_update
from atelier.services.link_actions import BadInput
from atelier.services.marks import mark_averages, marks_of
from atelier.sheets.spreadsheet import read_sheet
from atelier.web.deps import (
    AtelierAccess,
    EditableAtelier,
    FormDep,
    Render,
    RenderDep,
    RuntimeDep,
    signed_upload_with,
)
from atelier.web.workspace.confirm import confirmation_page, confirmed, rehearsal
from atelier.web.workspace.notices import notice_of, redirect_with_notice
from models.avis import ProposalAnswer
from models.enums import AnswerStatus, ImplementationState

MAX_SHEET_BYTES = 2 * 1024 * 1024
TEXT_MAX = 200_000  # an avis of some 30 pages


def _day(text: str, label: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused(f"{label} : indiquez une date (JJ/MM/AAAA)", "bad date") from None


router = APIRouter(prefix="/espace/{slug}/avis")


ANSWER_FIELDS = ("statut", "motif", "porteur", "instrument", "echeance")
AVIS_FIELDS = ("texte", "valide_le", "note")


def _answer_form(answer: ProposalAnswer | None) -> dict[str, str]:
    """An answer's form as recorded (empty before the first one)."""
    if answer is None:
        return dict.fromkeys(ANSWER_FIELDS, "")
    return {
        "statut": answer.status.value, "motif": answer.reason or "", "porteur": answer.carrier or "",
        "instrument": answer.instrument or "", "echeance": answer.due_on.isoformat() if answer.due_on else "",
    }  # fmt: skip


def _page(
    runtime: Runtime, render: Render, request: Request, access: AtelierAccess, *, error: str | None = None,
    status: int = 200, typed: tuple[int, dict[str, str]] | None = None,
    typed_avis: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """The page; ``typed``: a refused answer's number and what was typed, shown again in its form;
    ``typed_avis``: the refused avis form's text fields (a file cannot be shown again)."""
    user, slug = access.user, access.slug
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        avis = current_avis(session=session, atelier=atelier)
        answers = current_answers(session=session, atelier=atelier)
        averages = mark_averages(session=session, atelier=atelier)
        comments: dict[int, list[str]] = {}
        for m in marks_of(session=session, atelier=atelier):
            if m.comment:
                comments.setdefault(m.number, []).append(m.comment)
        proposals = [
            {
                "p": p,
                "answer": answers.get(p.number),
                "form": typed[1] if typed and typed[0] == p.number else _answer_form(answers.get(p.number)),
                "open": bool(typed and typed[0] == p.number),
                "mark": averages.get(p.number),
                "comments": comments.get(p.number, []),
            }
            for p in (proposals_of(session=session, version=avis) if avis else [])
        ]
        title = atelier.title
        evaluation = evaluation_results(session=session, atelier=atelier)
        committee = committee_of(session=session, atelier=atelier)
        members = [p.full_name for p in committee.members] if committee else []
        validated = short_date(avis.validated_on) if avis else None
        version = (avis.version, avis.digest, avis.note) if avis else None
        draft = _draft_view(session, access)
        weekend = avis_weekend(session=session, atelier=atelier)
        opens = (
            (weekend.name, long_datetime(weekend.forecast_start))
            if weekend is not None and runtime.clock.now() < weekend.forecast_start
            else None
        )
    return render(
        "workspace/avis.html",
        status,
        title=f"Avis et réponses — {title}",
        user=user,
        slug=slug,
        version=version,
        validated=validated,
        proposals=proposals,
        evaluation=evaluation,
        committee=committee,
        members=members,
        statuses=STATUS_LABELS,
        states=STATE_LABELS,
        error=error or notice_of(request, user, error=True),
        message=notice_of(request, user),
        draft=draft,
        opens=opens,
        avis_form=typed_avis or dict.fromkeys(AVIS_FIELDS, ""),
    )


def _draft_view(session: Session, access: AtelierAccess) -> dict[str, object] | None:
    """The version waiting to be published, as the public record will show it."""
    draft = draft_avis(session=session, atelier=access.within(session))
    if draft is None:
        return None
    return {
        "version": draft.version, "validated": short_date(draft.validated_on), "note": draft.note,
        "text": draft.text, "digest": draft.digest,
        "proposals": [
            {
                "number": p.number, "title": p.title, "text": p.text, "theme": p.theme,
                "position": p.position.value,
                "support": percent(p.support) if p.support is not None else None,
            }
            for p in proposals_of(session=session, version=draft)
        ],
    }  # fmt: skip


@router.get("", response_class=HTMLResponse)
def avis_page(
    request: Request, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep
) -> HTMLResponse:
    return _page(runtime, render, request, access)


def _done(access: AtelierAccess, text: str) -> Response:
    return redirect_with_notice(f"/espace/{access.slug}/avis", access.user, text)


@router.post("/texte")
async def record(
    request: Request, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep
) -> Response:
    user = access.user
    fields: dict[str, str] = {}
    try:
        try:
            upload, fields = await signed_upload_with(
                request,
                user,
                field="propositions",
                limit=MAX_SHEET_BYTES,
                fields=("texte", "valide_le", "note"),
            )
        except BadInput as error:
            raise Refused(error.message_fr, "bad upload") from None
        if upload is None:
            raise Refused("choisissez le fichier des propositions (CSV ou Excel)", "no proposals file")
        if len(upload[1]) > MAX_SHEET_BYTES or len(fields.get("texte", "")) > TEXT_MAX:
            raise Refused("le fichier ou le texte est trop long", "avis too large")
        validated = _day(fields.get("valide_le", ""), "date de validation")
        name, data = upload

        def save() -> tuple[int, int]:
            proposals = read_proposals(read_sheet(data, name=name))
            with transaction(runtime.engine) as session:
                version = record_avis(
                    session=session,
                    atelier=access.within(session),
                    text=fields.get("texte", ""),
                    proposals=proposals,
                    validated_on=validated,
                    note=fields.get("note"),
                    now=runtime.clock.now(),
                    actor=person_actor(user.person_id),
                ).version
            return version, len(proposals)

        # In a worker thread: no other request waits while the sheet is read and saved.
        version, proposals = await run_in_threadpool(save)
    except Refused as error:
        typed = {name: fields.get(name, "") for name in AVIS_FIELDS}
        return _page(runtime, render, request, access, error=error.message_fr, status=400, typed_avis=typed)
    return _done(
        access,
        f"Avis enregistré (version {version}, {count(proposals, 'proposition')}) : relisez son aperçu, "
        "puis publiez-le.",
    )


@router.post("/publication")
def publish_the_avis(
    request: Request, access: EditableAtelier, form: FormDep, runtime: RuntimeDep, render: RenderDep
) -> Response:
    """Without ``confirme``: checked, then a page asking to confirm; with it: the avis is public."""
    try:
        with transaction(runtime.engine) as session, rehearsal(session, keep=confirmed(form)):
            version = publish_avis(
                session=session, atelier=access.within(session), now=runtime.clock.now(),
                actor=person_actor(access.user.person_id),
            ).version  # fmt: skip
    except Refused as error:
        return _page(runtime, render, request, access, error=error.message_fr, status=400)
    if not confirmed(form):
        return confirmation_page(
            render, access, question=f"Publier la version {version} de l'avis ?", form=form,
            action=request.url.path,
            consequence="Elle paraîtra aussitôt dans le compte rendu public, telle que dans l'aperçu, "
            "et ne se modifiera plus : une correction deviendra une nouvelle version.",
            button=f"Publier la version {version}",
        )  # fmt: skip
    return _done(access, f"Avis publié (version {version}) : il paraît dans le compte rendu public.")


def _save_answers(runtime: Runtime, access: AtelierAccess, answers: list[AnswerIn]) -> Response:
    user = access.user
    with transaction(runtime.engine) as session:
        atelier = access.within(session)
        recorded = record_answers(
            session=session,
            atelier=atelier,
            answers=answers,
            now=runtime.clock.now(),
            actor=person_actor(user.person_id),
        )
    text = count(recorded, "réponse enregistrée", "réponses enregistrées")
    return _done(access, f"{text} ; elles paraîtront dans le compte rendu public une fois publiées.")


@router.post("/reponses")
async def answers_file(
    request: Request, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep
) -> Response:
    user = access.user
    try:
        try:
            upload, _ = await signed_upload_with(request, user, field="fichier", limit=MAX_SHEET_BYTES)
        except BadInput as error:
            raise Refused(error.message_fr, "bad upload") from None
        if upload is None or len(upload[1]) > MAX_SHEET_BYTES:
            raise Refused("choisissez un fichier CSV ou Excel (.xlsx) de moins de 2 Mo", "no answers file")
        name, data = upload
        return await run_in_threadpool(
            lambda: _save_answers(runtime, access, read_answers(read_sheet(data, name=name)))
        )
    except Refused as error:
        return _page(runtime, render, request, access, error=error.message_fr, status=400)


@router.post("/reponses/{number}")
def answer_one(
    number: int, request: Request, access: EditableAtelier, form: FormDep, runtime: RuntimeDep,
    render: RenderDep,
) -> Response:  # fmt: skip
    try:
        due = form.get("echeance", "").strip()
        status = next((s for s in AnswerStatus if s.value == form.get("statut")), None)
        if status is None:
            raise Refused("choisissez le statut de la réponse", "no answer status")
        answer = AnswerIn(
            number,
            status,
            form.get("motif", "").strip() or None,
            form.get("porteur", "").strip() or None,
            form.get("instrument", "").strip() or None,
            _day(due, "échéance") if due else None,
        )
        return _save_answers(runtime, access, [answer])
    except Refused as error:
        typed = {name: form.get(name, "") for name in ANSWER_FIELDS}
        return _page(
            runtime, render, request, access, error=error.message_fr, status=400, typed=(number, typed)
        )


@router.post("/suivi/{number}")
def follow_up(
    number: int, request: Request, access: EditableAtelier, form: FormDep, runtime: RuntimeDep,
    render: RenderDep,
) -> Response:  # fmt: skip
    user = access.user
    try:
        state = next((s for s in ImplementationState if s.value == form.get("etat")), None)
        if state is None:
            raise Refused("choisissez où en est la mise en œuvre", "no implementation state")
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            record_update(
                session=session,
                atelier=atelier,
                number=number,
                state=state,
                text=form.get("texte", ""),
                evidence_url=form.get("lien"),
                now=runtime.clock.now(),
                actor=person_actor(user.person_id),
            )
    except Refused as error:
        return _page(runtime, render, request, access, error=error.message_fr, status=400)
    return _done(access, f"Point d'étape enregistré pour la proposition n°{number} : les citoyens en "
                "seront informés dans la lettre de la semaine.")  # fmt: skip


@router.post("/publier")
def publish(
    request: Request, access: EditableAtelier, _form: FormDep, runtime: RuntimeDep, render: RenderDep
) -> Response:
    user = access.user
    try:
        with transaction(runtime.engine) as session:
            atelier = access.within(session)
            published = publish_answers(
                session=session,
                atelier=atelier,
                now=runtime.clock.now(),
                actor=person_actor(user.person_id),
            )
    except Refused as error:
        return _page(runtime, render, request, access, error=error.message_fr, status=400)
    return _done(
        access,
        f"{count(published, 'réponse publiée', 'réponses publiées')} dans le compte rendu public.",
    )
