"""The criteria of a panel and quotas derived from population shares.

The default set (``criteria.yaml``) is the five INSEE-style criteria and an attitude question; a
team that imports its own quotas replaces it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from atelier.panel.model import Quota


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
