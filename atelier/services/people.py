"""People and their roles in an atelier, one by one or from a CSV file (all or nothing)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    StringConstraints,
    ValidationError,
    field_validator,
)
from sqlmodel import Session, col, select

from atelier.errors import Refused, french_validation_message
from atelier.services.events import record_event
from atelier.services.spreadsheet import Sheet
from models import Atelier, Gate, GateMember, Membership, OutboxMessage, Person
from models.enums import ROLE_ALIASES, ROLE_LABELS, OutboxStatus, Role
from models.types import pk

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def clean_text(value: str) -> str:
    """One line of printable text: line breaks, tabs and control characters become single spaces.

    A name goes into e-mail headers: a line break there would make every message to that person fail.
    """
    printable = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in value)
    return " ".join(printable.split())


def parse_role(value: str) -> Role:
    role = ROLE_ALIASES.get(value.strip().lower())
    if role is None:
        choices = ", ".join(ROLE_LABELS[r] for r in Role)
        raise ValueError(f"rôle inconnu « {value} » (rôles : {choices})")
    return role


class PersonIn(BaseModel):
    """A person as typed by the team: name, e-mail, role(s) separated by ';'."""

    model_config = ConfigDict(extra="forbid")

    full_name: Name
    email: EmailStr
    roles: list[Role]
    organisation: str | None = None

    @field_validator("roles", mode="before")
    @classmethod
    def _parse_roles(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in value.split(";") if v.strip()]
        if isinstance(value, list):
            return [parse_role(v) if isinstance(v, str) else v for v in value]
        return value

    @field_validator("full_name", "organisation", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        return clean_text(value) if isinstance(value, str) else value

    @field_validator("email", mode="before")
    @classmethod
    def _trimmed(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


def _role_error(error: ValidationError, where: str) -> Refused:
    for item in error.errors():
        if item["loc"] and item["loc"][0] == "roles" and item["type"] == "value_error":
            message = str(item.get("ctx", {}).get("error", item["msg"]))
            prefix = f"{where} : " if where else ""
            return Refused(prefix + message, "invalid role")
    return Refused(french_validation_message(error, where=where), "invalid person")


def validate_person(data: dict[str, Any], *, where: str = "") -> PersonIn:
    try:
        return PersonIn.model_validate(data)
    except ValidationError as error:
        raise _role_error(error, where) from None


def _members(*, session: Session, atelier: Atelier) -> set[tuple[str, str]]:
    rows = session.exec(
        select(Person.email, Membership.role)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.atelier_id == pk(atelier))
    ).all()
    return {(email, role) for email, role in rows}


def add_people(
    *, session: Session, atelier: Atelier, people: Iterable[PersonIn], now: datetime, actor: str = "cli"
) -> list[Person]:
    """Add people with their roles; refuse the whole batch on any duplicate."""
    people = list(people)
    existing = _members(session=session, atelier=atelier)
    seen: set[str] = set()
    for index, person_in in enumerate(people, start=1):
        where = f"ligne {index}" if len(people) > 1 else ""
        prefix = f"{where} : " if where else ""
        if person_in.email in seen:
            raise Refused(f"{prefix}{person_in.email} apparaît deux fois", "duplicate person in batch")
        seen.add(person_in.email)
        for role in person_in.roles:
            if (person_in.email, role.value) in existing:
                raise Refused(
                    f"{prefix}{person_in.full_name} <{person_in.email}> est déjà inscrit(e) "
                    f"comme {ROLE_LABELS[role]} dans cet atelier",
                    "duplicate membership",
                )
    added: list[Person] = []
    for person_in in people:
        person = session.exec(select(Person).where(Person.email == person_in.email)).first()
        if person is None:
            person = Person(
                full_name=person_in.full_name,
                email=person_in.email,
                organisation=person_in.organisation,
            )
            session.add(person)
            session.flush()
        for role in person_in.roles:
            session.add(
                Membership(atelier_id=pk(atelier), person_id=pk(person), role=role.value, added_at=now)
            )
        record_event(
            session=session,
            atelier_id=pk(atelier),
            actor=actor,
            kind="person_added",
            at=now,
            person_id=pk(person),
            roles=[r.value for r in person_in.roles],
        )
        added.append(person)
    session.flush()
    return added


def _normal_header(header: str) -> str:
    """« Adresse e-mail » → « adresse e mail »: no accents, no capitals, no punctuation."""
    plain = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


# Accepted headers, as ``_normal_header`` leaves them, for each field.
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
        normal = _normal_header(header)
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
        for label, ok in (("nom", has_name), ("email", "email" in found), ("role", "roles" in found))
        if not ok
    ]
    if missing:
        raise Refused(
            "colonne(s) manquante(s) dans le fichier : "
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


def people_with_role(*, session: Session, atelier: Atelier, role: Role | str) -> list[Person]:
    query = (
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.atelier_id == pk(atelier), Membership.role == str(role))
        .order_by(col(Person.id))
    )
    return list(session.exec(query).all())


def remove_person(*, session: Session, atelier: Atelier, person_id: int, now: datetime, actor: str) -> str:
    """Take a person out of the atelier (all their roles). Refused once they were asked to decide or
    were sent anything: what reached their mailbox and agenda cannot be taken back this way."""
    person = session.get(Person, person_id)
    memberships = session.exec(
        select(Membership).where(Membership.atelier_id == pk(atelier), Membership.person_id == person_id)
    ).all()
    if person is None or not memberships:
        raise Refused("cette personne ne fait pas partie de l'atelier", "unknown person in atelier")
    in_gate = session.exec(
        select(GateMember.id)
        .join(Gate, col(Gate.id) == col(GateMember.gate_id))
        .where(Gate.atelier_id == pk(atelier), GateMember.person_id == person_id)
    ).first()
    if in_gate is not None:
        raise Refused(
            f"{person.full_name} a déjà été sollicité(e) pour une décision : retrait impossible",
            "gate member",
        )
    sent = session.exec(
        select(OutboxMessage.id).where(
            OutboxMessage.atelier_id == pk(atelier),
            OutboxMessage.person_id == person_id,
            OutboxMessage.status == OutboxStatus.SENT,
        )
    ).first()
    if sent is not None:
        raise Refused(
            f"{person.full_name} a déjà reçu des messages de l'atelier : enregistrez plutôt son désistement",
            "person already contacted",
        )
    for membership in memberships:
        session.delete(membership)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="person_removed",
        at=now,
        person_id=person_id,
    )
    return person.full_name
