"""Replacing a selected citizen who dropped out, keeping the quotas: first the reserve list, in
its order; when no reserve fits, a new lottery among the rest of the pool with everyone else on
the panel fixed (the same method, its result as verifiable as the first draw)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from atelier.panel.draw import commitment, draw, publication
from atelier.panel.lottery import Infeasible, Problem, maximin
from atelier.panel.model import Pool, Quota, types_of

Features = tuple[str, ...]


def meets(quotas: Sequence[Quota], categories: Sequence[str], panel: Sequence[Features]) -> bool:
    at = {c: i for i, c in enumerate(categories)}
    return all(q.min <= sum(1 for f in panel if f[at[q.category]] == q.value) <= q.max for q in quotas)


def reserve_for(
    quotas: Sequence[Quota],
    categories: Sequence[str],
    others: Sequence[Features],
    dropped: Features,
    reserves: Sequence[tuple[str, Features]],
) -> str | None:
    """The first reserve of the dropped person's profile (the panel keeps the composition the
    lottery drew); failing that, the first who in their place among ``others`` (the rest of the
    panel) still meets every quota."""
    same = next((reserve_id for reserve_id, features in reserves if features == dropped), None)
    if same is not None or not meets(quotas, categories, [*others, dropped]):
        return same
    fitting = (r for r, features in reserves if meets(quotas, categories, [*others, features]))
    return next(fitting, None)


@dataclass(frozen=True)
class Resolved:
    chosen: tuple[str, ...]
    published: dict[str, Any]  # what this lottery depends on, as for the first draw
    commitment: str


def resolve(
    quotas: Sequence[Quota], pool: Pool, fixed: Sequence[Features], missing: int, seed: str
) -> Resolved:
    """``missing`` people from ``pool`` (those not on the panel) so that, with ``fixed``, every
    quota is met: quotas less what the fixed people already fill, then MAXIMIN and the seeded draw.
    Raises ``Infeasible`` when nobody left in the pool can keep the quotas."""
    at = {c: i for i, c in enumerate(pool.categories)}
    shifted = []
    for q in quotas:
        filled = sum(1 for f in fixed if f[at[q.category]] == q.value)
        if filled > q.max:
            raise Infeasible  # adding people cannot repair a maximum the fixed ones exceed
        shifted.append(Quota(q.category, q.value, max(0, q.min - filled), q.max - filled))
    types = types_of(pool)
    distribution = maximin(Problem(types, pool.categories, tuple(shifted), missing))
    published = publication(pool, tuple(shifted), missing, "maximin", distribution, types)
    return Resolved(draw(published, seed).panel, published, commitment(published))
