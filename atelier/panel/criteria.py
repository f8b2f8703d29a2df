"""The criteria of a panel and quotas derived from population shares.

The default set (``criteria.yaml``) is the five INSEE-style criteria and an attitude question; a
team that imports its own quotas replaces it, either as counts (``critère,valeur,min,max``, or the
Sortition Foundation's ``category,feature,min,max``) or as the shares of its population
(``critère,valeur,part``), from which the counts follow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from atelier.errors import Refused
from atelier.french import decimal_number
from atelier.i18n import percent
from atelier.panel.model import Quota, quota_columns, read_quotas
from atelier.sheets.spreadsheet import Sheet

SHARE_COLUMNS = ("share", "part", "proportion", "pourcentage")


@dataclass(frozen=True)
class Criterion:
    category: str
    shares: tuple[tuple[str, float], ...]  # value, share of the population

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.shares)


@cache
def default_criteria() -> tuple[Criterion, ...]:
    data = yaml.safe_load(files("atelier.panel").joinpath("criteria.yaml").read_text(encoding="utf-8"))
    return tuple(
        Criterion(item["category"], tuple((str(v), float(s)) for v, s in item["values"].items()))
        for item in data
    )


def quotas_from_shares(criteria: tuple[Criterion, ...], size: int, slack: int = 1) -> list[Quota]:
    """For each value, its share of the panel rounded down and up, widened by ``slack`` people on
    each side: 52 % of 15 is 7.8, so 6 to 9 with a slack of 1."""
    quotas = []
    for criterion in criteria:
        total = sum(share for _, share in criterion.shares) or 1.0
        for value, share in criterion.shares:
            expected = share / total * size
            quotas.append(
                Quota(
                    criterion.category,
                    value,
                    max(0, math.floor(expected) - slack),
                    min(size, math.ceil(expected) + slack),
                )
            )
    return quotas


def _share(text: str, line: int) -> float:
    try:
        value = decimal_number(text)
    except ValueError:
        raise Refused(
            f"quotas, ligne {line} : « {text} » n'est pas une part (par exemple 52 % ou 0,52)", "bad share"
        ) from None
    if value < 0:
        raise Refused(f"quotas, ligne {line} : une part ne peut pas être négative", "negative share")
    return value


def read_shares(sheet: Sheet) -> tuple[Criterion, ...]:
    """``critère,valeur,part`` (or ``category,feature,share``): the share of each value in the
    population, in per cent (« 52 % », « 52 ») or as a fraction (« 0,52 »); each criterion's shares
    must make 100 %."""
    at_of, missing = quota_columns(sheet.headers, ("category", "feature"))
    lowered = [h.strip().lower() for h in sheet.headers]
    share_at = next((lowered.index(c) for c in SHARE_COLUMNS if c in lowered), None)
    if missing or share_at is None:
        raise Refused("quotas : colonnes attendues critère, valeur et part", "share columns missing")
    at = [at_of["category"], at_of["feature"], share_at]
    rows = []
    for line, cells in sheet.rows:
        category, value, typed = (cells[i].strip() if i < len(cells) else "" for i in at)
        rows.append((category, value, _share(typed, line)))
    if not rows:
        raise Refused("quotas : le fichier ne contient aucune ligne", "no quotas")
    scale = 100.0 if any(share > 1 for _, _, share in rows) else 1.0
    by_category: dict[str, list[tuple[str, float]]] = {}
    for category, value, part in rows:
        by_category.setdefault(category, []).append((value, part / scale))
    for category, shares in by_category.items():
        total = sum(share for _, share in shares)
        if abs(total - 1) > 0.02:
            raise Refused(
                f"quotas : les parts de « {category} » totalisent {percent(total)} au lieu de {percent(1)}",
                "shares do not sum to 1",
            )
    return tuple(Criterion(category, tuple(shares)) for category, shares in by_category.items())


def read_targets(sheet: Sheet, size: int) -> list[Quota]:
    """The quotas of a file, as counts or as population shares for a panel of ``size``."""
    headers = {h.strip().lower() for h in sheet.headers}
    if not headers & {"min", "minimum"} and headers & set(SHARE_COLUMNS):
        return quotas_from_shares(read_shares(sheet), size)
    return read_quotas(sheet)
