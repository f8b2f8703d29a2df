"""Errors users see: a French message for them, an English one for the logs."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class AtelierError(Exception):
    """A refused operation. ``message_fr`` is shown to users; ``str()`` goes to logs."""

    def __init__(self, message_fr: str, log_message: str | None = None) -> None:
        super().__init__(log_message or message_fr)
        self.message_fr = message_fr


class NotFound(AtelierError):
    pass


class Refused(AtelierError):
    pass


class InvalidValue(ValueError):
    """A validator's refusal worded in French, to follow « champ : « valeur » »."""


_FIELD_LABELS = {
    "slug": "identifiant",
    "title": "titre",
    "commanditaire": "commanditaire",
    "question": "question",
    "avis_form": "forme de l'avis",
    "template": "modèle",
    "decision_date": "date de décision",
    "target_avis_date": "date cible de l'avis",
    "full_name": "nom",
    "email": "e-mail",
    "role": "rôle",
    "organisation": "organisation",
    "venue_departement": "département du lieu",
}


def _french_problem(item: Any) -> tuple[str, str]:
    """(field, French text) for one problem of a pydantic validation error."""
    field = ".".join(str(p) for p in item["loc"]) or "valeur"
    label = _FIELD_LABELS.get(field, field)
    value = item.get("input")
    kind = item["type"]
    if kind == "missing":
        text = f"champ obligatoire manquant : « {label} »"
    elif kind.startswith("date") or kind.startswith("datetime"):
        text = f"{label} : « {value} » n'est pas une date valide (format attendu AAAA-MM-JJ)"
    elif kind == "value_error" and "email" in str(item.get("msg", "")).lower():
        text = f"{label} : « {value} » n'est pas une adresse e-mail valide"
    elif kind == "value_error" and isinstance(cause := item.get("ctx", {}).get("error"), InvalidValue):
        text = f"{label} : « {value} » {cause}"
    elif kind == "enum":
        expected = item.get("ctx", {}).get("expected", "")
        text = f"{label} : valeur inconnue « {value} » (valeurs possibles : {expected})"
    elif kind == "extra_forbidden":
        text = f"champ inconnu : « {label} »"
    elif kind in ("string_too_long", "string_too_short", "string_pattern_mismatch"):
        text = f"{label} : valeur invalide « {value} »"
    else:
        text = f"{label} : valeur invalide « {value} » ({item.get('msg', '')})"
    return field, text


def french_validation_message(error: ValidationError, *, where: str = "") -> str:
    """One French line for a pydantic validation error (the first problem found)."""
    _field, text = _french_problem(error.errors()[0])
    prefix = f"{where} : " if where else ""
    return prefix + text


def french_field_errors(error: ValidationError) -> dict[str, str]:
    """Each field's first problem in French, to show next to the field of a form."""
    problems: dict[str, str] = {}
    for item in error.errors():
        field, text = _french_problem(item)
        problems.setdefault(field, text)
    return problems
