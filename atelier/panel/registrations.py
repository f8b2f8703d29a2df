"""Registrations of volunteers as a registration form or a polling firm exports them: contact
details, consent, one column per criterion. Pure: a sheet in, the volunteers to add and what was
set aside out; any bad row refuses the whole file, naming its line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from atelier.errors import Refused
from atelier.french import agreed
from atelier.sheets.people import COLUMNS, normal_header
from atelier.sheets.spreadsheet import Sheet
from models.person_in import validate_person

CONTACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": COLUMNS["full_name"],
    "last_name": COLUMNS["last_name"],
    "first_name": COLUMNS["first_name"],
    "email": COLUMNS["email"],
    "phone": ("telephone", "tel", "portable", "mobile", "numero de telephone", "phone"),
    "address": ("adresse", "adresse postale", "address"),
    "postcode": ("code postal", "cp", "postcode"),
    "town": ("commune", "ville", "town"),
    "consent": ("consentement", "accord", "j accepte", "consent"),
}
YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x", "j accepte", "accepte", "d accord"}


@dataclass(frozen=True)
class VolunteerIn:
    line: int
    full_name: str
    email: str
    phone: str | None
    household: str | None
    features: dict[str, str]


@dataclass(frozen=True)
class Registrations:
    volunteers: list[VolunteerIn]
    duplicates: list[str] = field(default_factory=list)  # « ligne 12 : même personne que ligne 3 (…) »
    # A second person of a household: kept (to be told), but not in the draw; why, per person.
    set_aside: list[tuple[VolunteerIn, str]] = field(default_factory=list)
    without_consent: list[int] = field(default_factory=list)  # line numbers


@dataclass(frozen=True)
class Known:
    """What the pool already holds, to find a person registered twice across files."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    households: frozenset[str] = frozenset()
    names_at: frozenset[tuple[str, str]] = frozenset()  # (name, household)


def normal_phone(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits or None


def household_of(address: str, postcode: str, town: str) -> str | None:
    """« 12, Rue de la Paix » and « 12 rue de la paix » are one household."""
    parts = [normal_header(p) for p in (address, postcode, town)]
    return " | ".join(parts) if parts[0] else None


def _columns(sheet: Sheet, categories: tuple[str, ...]) -> tuple[dict[str, int], dict[str, int]]:
    contact: dict[str, int] = {}
    criteria: dict[str, int] = {}
    wanted = {normal_header(c): c for c in categories}
    for index, header in enumerate(sheet.headers):
        normal = normal_header(header)
        if normal in wanted and wanted[normal] not in criteria:
            criteria[wanted[normal]] = index
            continue
        name = next((f for f, names in CONTACT_COLUMNS.items() if normal in names), None)
        if name is not None and name not in contact:
            contact[name] = index
    if "full_name" not in contact and "last_name" in contact and "first_name" not in contact:
        contact["full_name"] = contact.pop("last_name")
    missing = [c for c in categories if c not in criteria]
    needed = (
        ("nom", "full_name" in contact or "last_name" in contact),
        ("email", "email" in contact),
        ("consentement", "consent" in contact),
    )
    missing += [label for label, ok in needed if not ok]
    if missing:
        raise Refused(
            agreed(len(missing), "colonne manquante", "colonnes manquantes")
            + " dans le fichier des volontaires : "
            + ", ".join(missing),
            "registration columns missing",
        )
    return contact, criteria


def read_registrations(
    sheet: Sheet, criteria: dict[str, tuple[str, ...]], *, one_per_household: bool, known: Known = Known()
) -> Registrations:
    """The volunteers of the sheet. Values are matched without regard to capitals or accents
    (« femme » is « Femme »); a person already registered (same e-mail, same phone, or same name
    at the same address) is listed and skipped, as is, with ``one_per_household``, a second person
    of a household already in the pool."""
    contact, columns = _columns(sheet, tuple(criteria))
    canonical = {c: {normal_header(v): v for v in values} for c, values in criteria.items()}

    def cell(cells: list[str], index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    result = Registrations([])
    emails: dict[str, str] = dict.fromkeys(known.emails, "le vivier")
    phones: dict[str, str] = dict.fromkeys(known.phones, "le vivier")
    names_at: dict[tuple[str, str], str] = dict.fromkeys(known.names_at, "le vivier")
    households: dict[str, str] = dict.fromkeys(known.households, "le vivier")
    for line, cells in sheet.rows:
        if not any(c.strip() for c in cells):
            continue
        if normal_header(cell(cells, contact.get("consent"))) not in YES:
            result.without_consent.append(line)
            continue
        name = cell(cells, contact.get("full_name")) or " ".join(
            p for p in (cell(cells, contact.get("first_name")), cell(cells, contact.get("last_name"))) if p
        )
        person = validate_person(
            {"full_name": name, "email": cell(cells, contact["email"]), "roles": "citizen"},
            where=f"ligne {line}",
        )
        features = {}
        for category, index in columns.items():
            raw = cell(cells, index)
            value = canonical[category].get(normal_header(raw))
            if value is None:
                choices = " ; ".join(criteria[category])
                raise Refused(
                    f"ligne {line} : « {raw} » n'est pas une valeur de « {category} » (valeurs : {choices})",
                    "registration value unknown",
                )
            features[category] = value
        phone = normal_phone(cell(cells, contact.get("phone")))
        household = household_of(
            cell(cells, contact.get("address")),
            cell(cells, contact.get("postcode")),
            cell(cells, contact.get("town")),
        )
        name_key = (normal_header(person.full_name), household or "")
        here = f"ligne {line}"
        same = (
            ("même adresse électronique", emails.get(person.email)),
            ("même téléphone", phones.get(phone) if phone else None),
            ("même nom à la même adresse", names_at.get(name_key) if household else None),
        )
        duplicate = next(((why, first) for why, first in same if first is not None), None)
        if duplicate is not None:
            result.duplicates.append(f"{here} : déjà inscrite ({duplicate[0]}, {duplicate[1]})")
            continue
        volunteer = VolunteerIn(line, person.full_name, person.email, phone, household, features)
        if one_per_household and household is not None and household in households:
            result.set_aside.append((volunteer, f"{here} : même foyer que {households[household]}"))
            emails[person.email] = here
            continue
        emails[person.email] = here
        if phone:
            phones[phone] = here
        if household:
            names_at[name_key] = here
            households[household] = here
        result.volunteers.append(
            VolunteerIn(line, person.full_name, person.email, phone, household, features)
        )
    return result
