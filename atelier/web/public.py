"""The public record of an atelier, without sign-in: ``/public/{slug}`` (a printable page),
``/public/{slug}/avis.json``, ``/public/{slug}/reponses.csv`` and the mandat de participation the
citizens' invitations link to, ``/public/{slug}/mandat.html``; ``atelier publier`` writes the same
four as static files (``services/public_files.py``). Nothing personal is in them."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import NotFound
from atelier.services.ateliers import get_atelier
from atelier.services.mandat import Mandat, mandat_of
from atelier.services.public_files import FILES, mandat_html, record_file
from atelier.services.public_record import PublicRecord, public_record
from atelier.web.deps import RuntimeDep

# A standalone page (its style inline, so that the static copy needs no other file) with no script.
STANDALONE_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
router = APIRouter(prefix="/public/{slug}")


def _respond(runtime: Runtime, slug: str, name: str) -> Response:
    """Only the file asked for is read and rendered (rendered once the transaction is over)."""
    with transaction(runtime.engine) as session:
        try:
            atelier = get_atelier(session=session, slug=slug)
        except NotFound:
            # The same words whatever was typed in the address: a ministry page repeats nothing of it.
            raise NotFound("cette page n'existe pas", "unknown public record") from None
        source: Mandat | PublicRecord = (
            mandat_of(session=session, atelier=atelier, team_email=runtime.settings.team_email)
            if name == "mandat.html"
            else public_record(session=session, atelier=atelier)
        )
    if isinstance(source, Mandat):
        data = mandat_html(source).encode("utf-8")
    else:
        data = record_file(source, name, base=f"/public/{slug}/")
    headers = {"Content-Security-Policy": STANDALONE_PAGE_CSP, "Cache-Control": "no-cache"}
    return Response(data, media_type=FILES[name], headers=headers)


@router.get("", response_model=None)
def page(slug: str, runtime: RuntimeDep) -> Response:
    return _respond(runtime, slug, "index.html")


@router.get("/avis.json", response_model=None)
def avis_json(slug: str, runtime: RuntimeDep) -> Response:
    return _respond(runtime, slug, "avis.json")


@router.get("/reponses.csv", response_model=None)
def csv_file(slug: str, runtime: RuntimeDep) -> Response:
    return _respond(runtime, slug, "reponses.csv")


@router.get("/mandat.html", response_model=None)
def mandat_file(slug: str, runtime: RuntimeDep) -> Response:
    return _respond(runtime, slug, "mandat.html")
