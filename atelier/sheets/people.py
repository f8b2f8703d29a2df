"""A spreadsheet of people (CSV as Excel saves it, or .xlsx): its columns found by their French
headers, every row previewed with its error before anything is written, then all or nothing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from atelier.errors import Refused
from atelier.french import agreed
from atelier.sheets.spreadsheet import Sheet
from models.person_in import PersonIn, validate_person


def normal_header(header: str) -> str:
    """« Adresse e-mail » → « adresse e mail »: no accents, no capitals, no punctuation."""
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


# Accepted headers, as ``normal_header`` leaves them, for each field.
COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": (
        "nom complet",
        "nom et prenom",
        "prenom et nom",
        "prenom nom",
        "nom prenom",
        "full name",
        "name",
    ),
    "last_name": ("nom", "nom de famille", "last name"),
    "first_name": ("prenom", "first name"),
    "email": (
        "email",
        "e mail",
        "courriel",
        "mail",
        "adresse e mail",
        "adresse email",
        "adresse mail",
        "adresse courriel",
        "adresse electronique",
    ),
    "roles": ("role", "roles", "role s"),
    "organisation": ("organisation", "organization", "organisme", "structure"),
}


@dataclass(frozen=True)
class PeopleImport:
    people: list[PersonIn]
    ignored_columns: list[str]


@dataclass(frozen=True)
class RowPreview:
    """One row of a spreadsheet as it would be imported, or why it cannot be."""

    line: int
    full_name: str
    email: str
    roles: str
    person: PersonIn | None
    error: str | None


@dataclass(frozen=True)
class SheetPreview:
    rows: list[RowPreview]
    ignored_columns: list[str]

    @property
    def errors(self) -> list[str]:
        return [row.error for row in self.rows if row.error]


def _columns(sheet: Sheet) -> tuple[dict[str, int], list[str]]:
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(sheet.headers):
        normal = normal_header(header)
        field = next((f for f, names in COLUMNS.items() if normal in names), None)
        if field is None or field in found:
            if header.strip():
                ignored.append(header.strip())
            continue
        found[field] = index
    if "full_name" not in found and "last_name" in found and "first_name" not in found:
        found["full_name"] = found.pop("last_name")  # a lone « Nom » column holds the whole name
    has_name = "full_name" in found or "last_name" in found
    missing = [
        label
        for label, ok in (("nom", has_name), ("email", "email" in found), ("rôle", "roles" in found))
        if not ok
    ]
    if missing:
        raise Refused(
            agreed(len(missing), "colonne manquante", "colonnes manquantes")
            + " dans le fichier : "
            + ", ".join(missing)
            + " (colonnes attendues : nom — ou prénom et nom —, email, rôle[, organisation])",
            "spreadsheet missing columns",
        )
    return found, ignored


def preview_people_sheet(sheet: Sheet) -> SheetPreview:
    """Every row of the spreadsheet, each with the person it gives or its error (writes nothing)."""
    found, ignored = _columns(sheet)

    def cell(cells: list[str], field: str) -> str:
        index = found.get(field)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    rows: list[RowPreview] = []
    emails: dict[str, int] = {}
    for line, cells in sheet.rows:
        if not any(c.strip() for c in cells):
            continue
        name = cell(cells, "full_name") or " ".join(
            part for part in (cell(cells, "first_name"), cell(cells, "last_name")) if part
        )
        data: dict[str, Any] = {
            "full_name": name,
            "email": cell(cells, "email"),
            "roles": cell(cells, "roles"),
        }
        if cell(cells, "organisation"):
            data["organisation"] = cell(cells, "organisation")
        person: PersonIn | None = None
        error: str | None = None
        try:
            person = validate_person(data, where=f"ligne {line}")
        except Refused as refusal:
            error = refusal.message_fr
        if person is not None and person.email in emails:
            error = (
                f"ligne {line} : {person.email} apparaît deux fois dans le fichier "
                f"(aussi ligne {emails[person.email]})"
            )
            person = None
        elif person is not None:
            emails[person.email] = line
        rows.append(RowPreview(line, name, data["email"], data["roles"], person, error))
    return SheetPreview(rows, ignored)


def parse_people_sheet(sheet: Sheet) -> PeopleImport:
    """People from a spreadsheet; any bad row refuses the whole file, naming its line."""
    preview = preview_people_sheet(sheet)
    if preview.errors:
        raise Refused(preview.errors[0], "invalid spreadsheet row")
    people = [row.person for row in preview.rows if row.person is not None]
    if not people:
        raise Refused("le fichier ne contient aucune personne", "empty spreadsheet")
    return PeopleImport(people, preview.ignored_columns)
