"""The draw: one composition by its published probability, then its members uniformly within
each type — every random number taken from SHA-256 of the seed announced in advance, so anyone
re-running it from the published files gets the same panel.

The commitment, published before the seed is known, is the SHA-256 of everything the draw
depends on: the pseudonymous pool, the quotas, the size, the algorithm and its version, and the
distribution (probabilities written with 12 decimals, as published).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from atelier.panel.lottery import Distribution
from atelier.panel.model import Pool, Quota, Types

ALGORITHM_VERSION = "atelier-panel-3"  # column generation over types; leximin from its relaxation (3)


def published_probabilities(distribution: Distribution) -> list[str]:
    """The probabilities as published (12 decimals), summing exactly to 1 (the last takes the rest)."""
    rounded = [Decimal(f"{p:.12f}") for p in distribution.probabilities]
    rounded[-1] = Decimal(1) - sum(rounded[:-1], Decimal(0))
    return [str(p) for p in rounded]


def publication(pool: Pool, quotas: tuple[Quota, ...], size: int, algorithm: str, distribution: Distribution,
                types: Types) -> dict[str, Any]:  # fmt: skip
    """Everything the draw depends on, as published before it (no personal data: ids and features)."""
    return {
        "algorithm": algorithm,
        "version": ALGORITHM_VERSION,
        "size": size,
        "categories": list(pool.categories),
        "quotas": [[q.category, q.value, q.min, q.max] for q in quotas],
        "pool": [[person_id, *features] for person_id, features in zip(pool.ids, pool.features, strict=True)],
        "types": [list(key) for key in types.keys],
        "compositions": [list(c) for c in distribution.compositions],
        "probabilities": published_probabilities(distribution),
        # Whether the search proved its distribution optimal, or was stopped by its deadline: the
        # smallest probability of those who can be drawn, and the bound no lottery can exceed.
        "optimality": {
            "proven": distribution.proven,
            "minimum": f"{distribution.level:.12f}",
            "bound": f"{distribution.bound:.12f}",
        },
    }


def commitment(published: dict[str, Any]) -> str:
    canonical = json.dumps(published, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _uniform(seed: str, counter: int) -> Decimal:
    """A number in [0, 1) from the seed: the first 16 bytes of SHA-256("seed:counter")."""
    digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
    return Decimal(int.from_bytes(digest[:16], "big")) / Decimal(2**128)


@dataclass(frozen=True)
class Draw:
    composition: int  # index in the published list
    panel: tuple[str, ...]  # ids, in the order drawn
    reserves: tuple[str, ...] = ()  # in the order they are called


def draw(published: dict[str, Any], seed: str) -> Draw:
    """The panel the seed selects, from the published files alone (spaces in the seed as typed
    do not count: « 4  8 15 » is « 4 8 15 »)."""
    seed = " ".join(seed.split())
    probabilities = [Decimal(p) for p in published["probabilities"]]
    u = _uniform(seed, 0)
    cumulative, chosen = Decimal(0), len(probabilities) - 1
    for index, p in enumerate(probabilities):
        cumulative += p
        if u < cumulative:
            chosen = index
            break
    members: dict[tuple[str, ...], list[str]] = {}
    for person_id, *features in published["pool"]:
        members.setdefault(tuple(features), []).append(person_id)
    counter = 1
    panel: list[str] = []
    for key, wanted in zip(published["types"], published["compositions"][chosen], strict=True):
        candidates = sorted(members[tuple(key)])
        # Partial Fisher–Yates: the first ``wanted`` places of a seeded shuffle.
        for place in range(wanted):
            pick = place + int(_uniform(seed, counter) * (len(candidates) - place))
            counter += 1
            candidates[place], candidates[pick] = candidates[pick], candidates[place]
        panel += candidates[:wanted]
    return Draw(chosen, tuple(panel), _reserves(members, panel, seed))


def _reserves(members: dict[tuple[str, ...], list[str]], panel: list[str], seed: str) -> tuple[str, ...]:
    """For each member of the panel in turn, one reserve of the same type (the same value on every
    criterion) when the pool has one left: replacing a drop-out by a reserve of their type keeps
    every quota. Drawn from the seed too, so the published files give the same list."""
    type_of = {person_id: key for key, people in members.items() for person_id in people}
    taken, order = set(panel), []
    for counter, person_id in enumerate(panel):
        candidates = [c for c in sorted(members[type_of[person_id]]) if c not in taken]
        if candidates:
            pick = candidates[int(_uniform(seed + ":réserve", counter) * len(candidates))]
            taken.add(pick)
            order.append(pick)
    return tuple(order)
