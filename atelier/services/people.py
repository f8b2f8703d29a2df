"""People and their roles in an atelier, one by one or from a CSV file (all or nothing)."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable
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
from models import Atelier, Membership, Person
from models.enums import ROLE_ALIASES, ROLE_LABELS, Role
from models.types import pk

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


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
    *, session: Session, atelier: Atelier, people: Iterable[PersonIn], now: datetime
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
            actor="cli",
            kind="person_added",
            at=now,
            person_id=pk(person),
            roles=[r.value for r in person_in.roles],
        )
        added.append(person)
    session.flush()
    return added


# Accepted CSV headers (French first) for each field.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": ("nom", "nom complet", "full_name", "name"),
    "email": ("email", "e-mail", "courriel", "mail"),
    "roles": ("role", "rôle", "roles", "rôles"),
    "organisation": ("organisation", "organization", "structure"),
}
REQUIRED_CSV = ("full_name", "email", "roles")


def parse_people_csv(text: str) -> list[PersonIn]:
    """Rows of a CSV (comma or semicolon separated); any bad row refuses the whole file."""
    sample = text[:2048]
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    # A single column or an empty file cannot be sniffed: the header check below explains.
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(sample, delimiters=",;")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = {(h or "").strip().lower(): h for h in (reader.fieldnames or [])}
    mapping: dict[str, str] = {}
    for field, names in CSV_COLUMNS.items():
        for name in names:
            if name in headers:
                mapping[field] = headers[name]
                break
    missing = [CSV_COLUMNS[f][0] for f in REQUIRED_CSV if f not in mapping]
    if missing:
        raise Refused(
            "colonne(s) manquante(s) dans le fichier CSV : "
            + ", ".join(missing)
            + " (colonnes attendues : nom, email, role[, organisation])",
            "CSV missing columns",
        )
    people: list[PersonIn] = []
    for line, row in enumerate(reader, start=2):
        data = {field: (row.get(header) or "").strip() for field, header in mapping.items()}
        if not any(data.values()):
            continue
        if not data.get("organisation"):
            data.pop("organisation", None)
        people.append(validate_person(data, where=f"ligne {line}"))
    if not people:
        raise Refused("le fichier CSV ne contient aucune personne", "empty CSV")
    emails = [p.email for p in people]
    for index, email in enumerate(emails):
        if email in emails[:index]:
            raise Refused(
                f"ligne {index + 2} : {email} apparaît deux fois dans le fichier",
                "duplicate person in CSV",
            )
    return people


def people_with_role(*, session: Session, atelier: Atelier, role: Role | str) -> list[Person]:
    query = (
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.atelier_id == pk(atelier), Membership.role == str(role))
        .order_by(col(Person.id))
    )
    return list(session.exec(query).all())
