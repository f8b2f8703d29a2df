"""The public record's files and the mandat de participation, rendered from their data: served at
``/public/{slug}`` (``atelier/web/public.py``) and written as static files by ``atelier publier``
and the demo. Nothing personal is in them (``services/public_record.py``, ``mandat.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from atelier.french import count, of, sentence, to, with_article
from atelier.services.mandat import Mandat
from atelier.services.public_record import PublicRecord, answers_csv, record_json

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
    pages.filters.update({"de": of, "le": with_article, "a": to, "phrase": sentence, "nombre": count})
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
