"""The pool and the quotas, read from files in the Sortition Foundation's and the paper's format.

People with the same value on every category are interchangeable for the quotas: the solver works
on these *types* (a few hundred, even for a pool of 10,000), and a panel is a *composition* (how
many of each type), its members then chosen uniformly within each type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from atelier.errors import Refused
from atelier.french import agreed
from atelier.sheets.spreadsheet import Sheet

ID_COLUMNS = ("id", "identifiant", "nationbuilder_id", "primary_key")


@dataclass(frozen=True)
class Quota:
    category: str
    value: str
    min: int
    max: int


@dataclass(frozen=True)
class Pool:
    ids: tuple[str, ...]
    categories: tuple[str, ...]
    features: tuple[tuple[str, ...], ...]  # per person, one value per category


@dataclass(frozen=True)
class Types:
    """The pool grouped by feature vector: ``members[t]`` are the ids of type ``t``."""

    keys: tuple[tuple[str, ...], ...]
    members: tuple[tuple[str, ...], ...]
    sizes: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(len(m) for m in self.members))


def types_of(pool: Pool) -> Types:
    groups: dict[tuple[str, ...], list[str]] = {}
    for person_id, features in zip(pool.ids, pool.features, strict=True):
        groups.setdefault(features, []).append(person_id)
    keys = sorted(groups)
    return Types(tuple(keys), tuple(tuple(sorted(groups[k])) for k in keys))


# A quota file's headings as the team types them (French) or as the Sortition Foundation's files have them.
QUOTA_HEADINGS = {
    "category": ("critère", "critere", "catégorie", "categorie", "category"),
    "feature": ("valeur", "modalité", "modalite", "feature", "name"),
    "min": ("min", "minimum"),
    "max": ("max", "maximum"),
}


def quota_columns(headers: list[str], wanted: tuple[str, ...]) -> tuple[dict[str, int], list[str]]:
    """Where each wanted column is (by its French or English heading), and the French names of
    those missing."""
    lowered = [h.strip().lower() for h in headers]
    found: dict[str, int] = {}
    for name in wanted:
        at = next((lowered.index(h) for h in QUOTA_HEADINGS.get(name, (name,)) if h in lowered), None)
        if at is not None:
            found[name] = at
    return found, [QUOTA_HEADINGS.get(n, (n,))[0] for n in wanted if n not in found]


def read_quotas(sheet: Sheet) -> list[Quota]:
    """``critère,valeur,min,max`` (or ``category,feature,min,max``), one row per value."""
    at, missing = quota_columns(sheet.headers, ("category", "feature", "min", "max"))
    if missing:
        raise Refused(
            "quotas : colonnes attendues critère, valeur, min, max (manque : " + ", ".join(missing) + ")",
            "quota columns missing",
        )
    quotas = []
    for line, cells in sheet.rows:
        cell = {name: cells[i].strip() if i < len(cells) else "" for name, i in at.items()}
        try:
            low, high = int(cell["min"]), int(cell["max"])
        except ValueError:
            raise Refused(
                f"quotas, ligne {line} : min et max doivent être des nombres entiers", "bad quota"
            ) from None
        if low < 0 or high < low:
            raise Refused(f"quotas, ligne {line} : il faut 0 ≤ min ≤ max", "bad quota bounds")
        quotas.append(Quota(cell["category"], cell["feature"], low, high))
    if not quotas:
        raise Refused("quotas : le fichier ne contient aucune ligne", "no quotas")
    return quotas


def read_pool(sheet: Sheet, quotas: list[Quota]) -> Pool:
    """One row per volunteer, one column per category of the quotas; ids from an ``id`` column,
    or the row number from 1 when there is none."""
    headers = [h.strip() for h in sheet.headers]
    lowered = [h.lower() for h in headers]
    categories = tuple(dict.fromkeys(q.category for q in quotas))
    missing = [c for c in categories if c not in headers]
    if missing:
        raise Refused(
            "volontaires : " + agreed(len(missing), "colonne absente", "colonnes absentes") + " : "
            + ", ".join(missing),
            "pool columns missing",
        )  # fmt: skip
    id_at = next((lowered.index(c) for c in ID_COLUMNS if c in lowered), None)
    columns = [headers.index(c) for c in categories]
    known = {(q.category, q.value) for q in quotas}
    ids: list[str] = []
    features: list[tuple[str, ...]] = []
    for number, (line, cells) in enumerate(sheet.rows, start=1):
        values = tuple(cells[c].strip() if c < len(cells) else "" for c in columns)
        for category, value in zip(categories, values, strict=True):
            if (category, value) not in known:
                raise Refused(
                    f"volontaires, ligne {line} : « {value} » n'est pas une valeur de « {category} » "
                    "dans les quotas",
                    "pool value without quota",
                )
        person_id = cells[id_at].strip() if id_at is not None and id_at < len(cells) else str(number)
        ids.append(person_id)
        features.append(values)
    if len(set(ids)) != len(ids):
        raise Refused("volontaires : un identifiant apparaît deux fois", "duplicate pool id")
    if not ids:
        raise Refused("volontaires : le fichier ne contient personne", "empty pool")
    return Pool(tuple(ids), categories, tuple(features))
