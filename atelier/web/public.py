"""The public record of an atelier, without sign-in: ``/public/{slug}`` (a printable page),
``/public/{slug}/avis.json``, ``/public/{slug}/reponses.csv`` and the mandat de participation the
citizens' invitations link to, ``/public/{slug}/mandat.html``; ``atelier publier`` writes the same
four as static files. Nothing personal is in them (``services/public_record.py``, ``mandat.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.french import of, sentence, to, with_article
from atelier.services.ateliers import get_atelier
from atelier.services.mandat import Mandat, mandat_of
from atelier.services.public_record import PublicRecord, answers_csv, public_record, record_json

# A standalone page (its style inline, so that the static copy needs no other file) with no script.
STANDALONE_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
FILES = {
    "index.html": "text/html; charset=utf-8",
    "avis.json": "application/json",
    "reponses.csv": "text/csv; charset=utf-8",
    "mandat.html": "text/html; charset=utf-8",
}


def _documents() -> Environment:
    pages = Environment(
        loader=PackageLoader("atelier.web", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )
    pages.filters.update({"de": of, "le": with_article, "a": to, "phrase": sentence})
    return pages


def record_html(record: PublicRecord, *, base: str) -> str:
    """``base`` is where avis.json and reponses.csv sit beside the page (« » for static files)."""
    return _documents().get_template("public/record.html").render(r=record, base=base)


def mandat_html(mandat: Mandat) -> str:
    """The mandat de participation as a standalone, printable page for the team to review."""
    return _documents().get_template("public/mandat.html").render(m=mandat)


def record_file(record: PublicRecord, name: str, *, base: str = "") -> bytes:
    """One of the record's own files: index.html, avis.json or reponses.csv."""
    if name == "index.html":
        return record_html(record, base=base).encode("utf-8")
    if name == "avis.json":
        return json.dumps(record_json(record), ensure_ascii=False, indent=1).encode("utf-8")
    return answers_csv(record)


def record_files(record: PublicRecord, mandat: Mandat, *, base: str = "") -> dict[str, bytes]:
    files = {name: record_file(record, name, base=base) for name in FILES if name != "mandat.html"}
    return files | {"mandat.html": mandat_html(mandat).encode("utf-8")}


def write_record(record: PublicRecord, mandat: Mandat, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in record_files(record, mandat).items():
        (out / name).write_bytes(data)


def public_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/public/{slug}")

    def respond(slug: str, name: str) -> Response:
        """Only the file asked for is read and rendered (rendered once the transaction is over)."""
        with transaction(runtime.engine) as session:
            atelier = get_atelier(session=session, slug=slug)
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
    def page(slug: str) -> Response:
        return respond(slug, "index.html")

    @router.get("/avis.json", response_model=None)
    def avis_json(slug: str) -> Response:
        return respond(slug, "avis.json")

    @router.get("/reponses.csv", response_model=None)
    def csv_file(slug: str) -> Response:
        return respond(slug, "reponses.csv")

    @router.get("/mandat.html", response_model=None)
    def mandat_file(slug: str) -> Response:
        return respond(slug, "mandat.html")

    return router
