"""The recruitment page of an atelier (team only): the quotas beside the pool and the panel, the
pool's import, the seal, the draw, the panel with each citizen's answer, the replacements to
approve. The command line (``atelier panel …``) does the same."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import NotFound, Refused
from atelier.french import count
from atelier.i18n import short_datetime
from atelier.panel.criteria import default_criteria, quotas_from_shares, read_targets
from atelier.panel.model import Quota
from atelier.panel.registrations import Registrations
from atelier.panel.report import optimality_sentence, probabilities_csv, report_csv, report_html
from atelier.panel.run import published_json
from atelier.planning.template import template_of
from atelier.services.events import person_actor
from atelier.services.link_actions import BadInput
from atelier.services.panel_composition import composition
from atelier.services.panel_report import publication_of
from atelier.services.panel_settings import set_panel_settings
from atelier.services.recruitment import (
    draw_panel,
    draw_preconditions,
    find_lottery,
    import_pool,
    published_of,
    quotas_of,
    set_quotas,
    volunteers_of,
)
from atelier.services.replacements import answers_of, approve_replacement, replacement_views
from atelier.sheets.spreadsheet import read_sheet
from atelier.web.deps import (
    AtelierAccess,
    EditableAtelier,
    FormDep,
    Render,
    RenderDep,
    RuntimeDep,
    Trigger,
    TriggerDep,
    signed_upload,
)
from atelier.web.public import STANDALONE_PAGE_CSP
from atelier.web.workspace.notices import notice_of, redirect_with_notice
from atelier.web.workspace.seal_view import seal_view
from models import Atelier, PanelLottery
from models.enums import Answer, VolunteerStatus
from models.types import pk

router = APIRouter(prefix="/espace/{slug}/recrutement")
MAX_POOL_BYTES = 10 * 1024 * 1024  # some 50,000 registrations
STATUS_LABELS = {  # after a number: its singular and plural
    VolunteerStatus.POOL: ("au vivier", "au vivier"),
    VolunteerStatus.SET_ASIDE: ("hors tirage (même foyer)", "hors tirage (même foyer)"),
    VolunteerStatus.SELECTED: ("tiré au sort", "tirés au sort"),
    VolunteerStatus.RESERVE: ("en réserve", "en réserve"),
    VolunteerStatus.NOT_SELECTED: ("non tiré", "non tirés"),
    VolunteerStatus.WITHDRAWN: ("désisté et remplacé", "désistés et remplacés"),
}
ALGORITHM_LABELS = {
    "maximin": "calculé par MAXIMIN",
    "leximin": "calculé par LEXIMIN",
}
REPORT_FILES = {  # the address's suffix: the file's name and type
    "": ("report.html", "text/html; charset=utf-8"),
    ".csv": ("report.csv", "text/csv; charset=utf-8"),
    "-probabilites.csv": ("probabilities.csv", "text/csv; charset=utf-8"),
    "-publication.json": ("publication.json", "application/json"),
}
ANSWERS = {Answer.CONFIRM: "a confirmé", Answer.DECLINE: "ne participera pas", None: "sans réponse"}


def _page_data(session: Session, atelier: Atelier, now: datetime) -> dict[str, object]:
    volunteers = volunteers_of(session=session, atelier=atelier)
    answers = answers_of(session=session, atelier=atelier)
    statuses = Counter(v.status for v in volunteers)
    lottery = find_lottery(session=session, atelier=atelier)
    preconditions = draw_preconditions(session=session, atelier=atelier)
    return {
        "lottery": lottery,
        "sealed_when": short_datetime(lottery.sealed_at) if lottery and lottery.sealed_at else None,
        "drawn_when": short_datetime(lottery.drawn_at) if lottery and lottery.drawn_at else None,
        "preconditions": preconditions,
        "refusal": next((p.unmet for p in preconditions if p.unmet), None),
        "rows": composition(session=session, atelier=atelier),
        "quotas_version": quotas_version(quotas_of(session=session, atelier=atelier)),
        "settings": lottery or PanelLottery(atelier_id=pk(atelier)),  # the defaults until first saved
        "statuses": [count(statuses[s], *labels) for s, labels in STATUS_LABELS.items() if statuses[s]],
        "algorithm": ALGORITHM_LABELS.get(lottery.algorithm or "", "") if lottery else "",
        "optimality": optimality_sentence(published_of(lottery)) if lottery and lottery.sealed_at else None,
        "panel": [
            (v.reference, v.full_name, ANSWERS[answers.get(v.person_id or 0)])
            for v in volunteers
            if v.status is VolunteerStatus.SELECTED
        ],
        "replacements": replacement_views(session=session, atelier=atelier),
        "sealing": seal_view(lottery, now),
        "seal_failure": lottery.seal_failure if lottery and not lottery.sealed_at else None,
    }


def citizens(atelier: Atelier) -> int:
    return template_of(atelier).citizens


def quotas_version(quotas: list[Quota]) -> str:
    """A short fingerprint of the quotas a form was filled from: a form filled from others is refused."""
    text = json.dumps([[q.category, q.value, q.min, q.max] for q in quotas], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def typed_quotas(session: Session, atelier: Atelier, form: Mapping[str, str]) -> list[Quota]:
    """The quotas with the minimum and maximum typed in the page's table (one pair per row)."""
    current = quotas_of(session=session, atelier=atelier)
    if form.get("version") != quotas_version(current):
        raise Refused(
            "les quotas ont changé depuis l'affichage de la page : rechargez-la et recommencez",
            "quota form from stale quotas",
        )
    typed = []
    for position, q in enumerate(current):
        try:
            low, high = int(form.get(f"min-{position}", "")), int(form.get(f"max-{position}", ""))
        except ValueError:
            raise Refused(
                f"« {q.value} » ({q.category}) : le minimum et le maximum doivent être des nombres entiers",
                "typed quota not a number",
            ) from None
        if not 0 <= low <= high:
            raise Refused(
                f"« {q.value} » ({q.category}) : il faut 0 ≤ minimum ≤ maximum", "typed quota bounds"
            )
        typed.append(Quota(q.category, q.value, low, high))
    return typed


@dataclass(frozen=True)
class RecruitmentRequest:
    """What every route of the page works with: the atelier (the caller may edit it) and the app's parts."""

    request: Request
    access: AtelierAccess
    runtime: Runtime
    render: Render
    on_change: Trigger

    def page(self, *, error: str | None = None, status: int = 200) -> HTMLResponse:
        user = self.access.user
        with transaction(self.runtime.engine) as session:
            data = _page_data(session, self.access.within(session), self.runtime.clock.now())
        return self.render(
            "workspace/recruitment.html",
            status,
            title=f"Recrutement — {self.access.atelier.title}",
            user=user,
            slug=self.access.slug,
            error=error or notice_of(self.request, user, error=True),
            message=notice_of(self.request, user),
            **data,
        )

    def done(self, text: str, *, changed: bool = False) -> Response:
        if changed:
            self.on_change(self.access.slug)  # the engine queues the messages the change calls for
        # No name in the notice: it travels in the address, which proxies log and browsers keep.
        return redirect_with_notice(f"/espace/{self.access.slug}/recrutement", self.access.user, text)

    async def uploaded(self) -> tuple[str, bytes]:
        user = self.access.user
        try:
            upload = await signed_upload(self.request, user, field="fichier", limit=MAX_POOL_BYTES)
        except BadInput as error:
            raise Refused(error.message_fr, "bad upload") from None
        if upload is None:
            raise Refused("choisissez un fichier CSV ou Excel (.xlsx)", "no file")
        if len(upload[1]) > MAX_POOL_BYTES:
            raise Refused("le fichier dépasse 10 Mo", "file too large")
        return upload


def _recruitment_request(
    request: Request, access: EditableAtelier, runtime: RuntimeDep, render: RenderDep, on_change: TriggerDep
) -> RecruitmentRequest:
    return RecruitmentRequest(request, access, runtime, render, on_change)


# Declared before the form: a caller who may not edit the atelier is refused before the body is read.
Here = Annotated[RecruitmentRequest, Depends(_recruitment_request)]


@router.get("", response_class=HTMLResponse)
def recruitment_page(here: Here) -> HTMLResponse:
    return here.page()


@router.get("/rapport", response_model=None)
def report_page(here: Here) -> Response:
    return report("", here)


@router.get("/rapport{suffix}", response_model=None)
def report(suffix: str, here: Here) -> Response:
    """The transparency report, as published: HTML (printable), CSV, each id's chance, and
    the publication anyone re-runs the draw from. Nothing personal in any of them."""
    runtime = here.runtime
    if suffix not in REPORT_FILES:
        raise NotFound("page introuvable", f"no report format {suffix}")
    try:
        with transaction(runtime.engine) as session:
            atelier = here.access.within(session)
            publication = publication_of(session=session, atelier=atelier)
            title = atelier.title
    except Refused as error:
        return here.page(error=error.message_fr, status=409)
    name, media = REPORT_FILES[suffix]
    content = publication.report
    data = {
        "": lambda: report_html(content, title=title).encode("utf-8"),
        ".csv": lambda: report_csv(content),
        "-probabilites.csv": lambda: probabilities_csv(content),
        "-publication.json": lambda: published_json(publication.published),
    }[suffix]()
    disposition = {} if suffix == "" else {"Content-Disposition": f'attachment; filename="{name}"'}
    # The HTML report carries its style inline (it is also a file published on its own).
    headers = {
        **disposition,
        "Content-Security-Policy": STANDALONE_PAGE_CSP,
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=media, headers=headers)


@router.post("/vivier")
async def pool(here: Here) -> Response:
    runtime, user = here.runtime, here.access.user
    try:
        filename, data = await here.uploaded()

        def save() -> Registrations:
            sheet = read_sheet(data, name=filename)
            with transaction(runtime.engine) as session:
                return import_pool(
                    session=session,
                    atelier=here.access.within(session),
                    sheet=sheet,
                    now=runtime.clock.now(),
                    actor=person_actor(user.person_id),
                )

        # In a worker thread: no other request waits while thousands of lines are read and saved.
        result = await run_in_threadpool(save)
    except Refused as error:
        return here.page(error=error.message_fr, status=400)
    parts = [count(len(result.volunteers), "volontaire ajouté", "volontaires ajoutés") + " au vivier"]
    if result.duplicates:
        parts.append(count(len(result.duplicates), "doublon écarté", "doublons écartés"))
    if result.set_aside:
        parts.append(
            count(
                len(result.set_aside),
                "inscription hors tirage (même foyer)",
                "inscriptions hors tirage (même foyer)",
            )
        )
    if result.without_consent:
        parts.append(
            count(len(result.without_consent), "ligne sans consentement", "lignes sans consentement")
        )
    return here.done(" ; ".join(parts) + ".")


def _save_quotas(here: RecruitmentRequest, quotas: Callable[[Session, Atelier], list[Quota]]) -> Response:
    runtime, user = here.runtime, here.access.user
    with transaction(runtime.engine) as session:
        atelier = here.access.within(session)
        new = quotas(session, atelier)
        change = set_quotas(
            session=session,
            atelier=atelier,
            quotas=new,
            now=runtime.clock.now(),
            actor=person_actor(user.person_id),
        )
    again = " Le COPIL avait approuvé les précédents : une nouvelle décision lui est demandée."
    return here.done("Quotas enregistrés." + (again if change.asked_again else ""), changed=True)


@router.post("/quotas")
async def quotas_file(here: Here) -> Response:
    try:
        filename, data = await here.uploaded()
        sheet = await run_in_threadpool(read_sheet, data, name=filename)
        return await run_in_threadpool(
            _save_quotas, here, lambda _s, atelier: read_targets(sheet, template_of(atelier).citizens)
        )
    except Refused as error:
        return here.page(error=error.message_fr, status=400)


@router.post("/quotas/defaut")
def quotas_default(here: Here, _form: FormDep) -> Response:
    try:
        return _save_quotas(
            here,
            lambda _s, atelier: quotas_from_shares(default_criteria(), template_of(atelier).citizens),
        )
    except Refused as error:
        return here.page(error=error.message_fr, status=400)


@router.post("/quotas/saisie")
def quotas_typed(here: Here, form: FormDep) -> Response:
    try:
        return _save_quotas(here, lambda session, atelier: typed_quotas(session, atelier, form))
    except Refused as error:
        return here.page(error=error.message_fr, status=400)


@router.post("/reglages")
def settings(here: Here, form: FormDep) -> Response:
    runtime, user = here.runtime, here.access.user
    try:
        with transaction(runtime.engine) as session:
            atelier = here.access.within(session)
            set_panel_settings(
                session=session,
                atelier=atelier,
                now=runtime.clock.now(),
                actor=person_actor(user.person_id),
                one_per_household=form.get("un_par_foyer") == "oui",
                auto_approve_replacements=form.get("remplacements_automatiques") == "oui",
            )
    except Refused as error:
        return here.page(error=error.message_fr, status=400)
    return here.done("Réglages du recrutement enregistrés.", changed=True)


@router.post("/tirer")
def draw(here: Here, form: FormDep) -> Response:
    runtime, user = here.runtime, here.access.user
    try:
        with transaction(runtime.engine) as session:
            atelier = here.access.within(session)
            draw_panel(
                session=session,
                atelier=atelier,
                seed=form.get("graine", ""),
                now=runtime.clock.now(),
                actor=person_actor(user.person_id),
            )
    except Refused as error:
        return here.page(error=error.message_fr, status=400)
    return here.done(
        "Panel tiré : les personnes tirées sont invitées à confirmer, les autres volontaires sont informés.",
        changed=True,
    )


@router.post("/remplacements/{replacement_id}")
def approve(replacement_id: int, here: Here, _form: FormDep) -> Response:
    runtime, user = here.runtime, here.access.user
    try:
        with transaction(runtime.engine) as session:
            atelier = here.access.within(session)
            approve_replacement(
                session=session,
                atelier=atelier,
                replacement_id=replacement_id,
                now=runtime.clock.now(),
                actor=person_actor(user.person_id),
            )
    except Refused as error:
        return here.page(error=error.message_fr, status=400)
    return here.done("Remplacement approuvé : le remplaçant est invité à confirmer.", changed=True)
