"""A person as the team types them (a form, a line of a spreadsheet): validated before anything is
written. Pure: no database."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints, ValidationError, field_validator

from atelier.errors import InvalidValue, Refused, french_validation_message
from models.enums import ASSIGNABLE_ROLES, ROLE_ALIASES, ROLE_LABELS, Role

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
        choices = ", ".join(ROLE_LABELS[r] for r in ASSIGNABLE_ROLES)
        raise ValueError(f"rôle inconnu « {value} » (rôles : {choices})")
    return role


ACCENTED_LOCAL_PART = (
    "contient des lettres accentuées avant « @ », que la plupart des messageries n'acceptent pas : "
    "vérifiez l'adresse"
)


def deliverable_address(address: str) -> str:
    """The address in lower case, refused (InvalidValue) when its part before « @ » is not ASCII.

    The transport sends such an address only through a relay that offers SMTPUTF8, which most do
    not; an accented domain is fine (it travels in its IDNA form). Every entry point applies this
    rule, so that such an address is refused where it is typed, not found failing weeks later."""
    local, _, _domain = address.rpartition("@")
    if not local.isascii():
        raise InvalidValue(ACCENTED_LOCAL_PART)
    return address.lower()


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
    def _deliverable(cls, value: str) -> str:
        return deliverable_address(value)


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
