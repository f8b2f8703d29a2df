"""MAXIMIN selection probabilities by column generation (Flanigan, Gölz, Gupta, Hennig, Procaccia,
"Fair algorithms for selecting citizens' assemblies", Nature 596, 2021), implemented from the
paper on HiGHS through SciPy (BSD).

The distribution is over *compositions* (how many people of each type); a person's selection
probability is the expected share of their type that is chosen. A restricted LP over the
compositions found so far gives the best minimum probability and, through its dual, the weight
of each type; a MIP then looks for the composition worth most under those weights. When none is
worth more than the LP's value, no panel can raise the minimum: the distribution is optimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from atelier.panel.model import Quota, Types

TOLERANCE = 1e-7
MAX_ROUNDS = 5000
SMOOTHING = 0.5  # weight of the best duals seen so far in the duals priced
QUICK_GAP = 0.2  # relative optimality gap of the pricing MIP while it still finds improvements


class Infeasible(Exception):
    """No panel of this size meets every quota."""


@dataclass(frozen=True)
class Problem:
    types: Types
    categories: tuple[str, ...]
    quotas: tuple[Quota, ...]
    size: int

    @cached_property
    def matrix(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Row per quota: which types count towards it; and its bounds."""
        at = {c: i for i, c in enumerate(self.categories)}
        rows = np.array(
            [[1.0 if key[at[q.category]] == q.value else 0.0 for key in self.types.keys] for q in self.quotas]
        )
        lows = np.array([float(q.min) for q in self.quotas])
        highs = np.array([float(q.max) for q in self.quotas])
        return rows, lows, highs


@dataclass(frozen=True)
class Distribution:
    compositions: tuple[tuple[int, ...], ...]  # people of each type, per panel shape
    probabilities: tuple[float, ...]  # of each composition
    type_probability: tuple[float, ...]  # of a person of each type being selected

    @property
    def minimum(self) -> float:
        return min(self.type_probability)


def _best_composition(
    problem: Problem, weights: NDArray[np.float64], *, cover: Sequence[int] = (), gap: float = 1e-6
) -> NDArray[np.int64] | None:
    """The composition of maximal weight that meets the quotas (None: none does). With ``cover``,
    the one that includes the most of those types instead."""
    sizes = np.array(problem.types.sizes, dtype=float)
    count = len(sizes)
    rows, lows, highs = problem.matrix
    if cover:
        # Counts, then one 0/1 "included" variable per type to cover (included ≤ count).
        extra = len(cover)
        objective = np.concatenate([np.zeros(count), -np.ones(extra)])
        link = np.zeros((extra, count + extra))
        for j, t in enumerate(cover):
            link[j, t], link[j, count + j] = -1.0, 1.0
        constraints = [
            LinearConstraint(
                np.concatenate([np.ones(count), np.zeros(extra)])[None, :], problem.size, problem.size
            ),
            LinearConstraint(np.hstack([rows, np.zeros((len(rows), extra))]), lows, highs),
            LinearConstraint(link, -np.inf, 0.0),
        ]
        bounds = Bounds(np.zeros(count + extra), np.concatenate([sizes, np.ones(extra)]))
        result = milp(objective, constraints=constraints, integrality=np.ones(count + extra), bounds=bounds)
    else:
        constraints = [LinearConstraint(np.ones((1, count)), problem.size, problem.size),
                       LinearConstraint(rows, lows, highs)]  # fmt: skip
        result = milp(
            -weights, constraints=constraints, integrality=np.ones(count), bounds=Bounds(0, sizes),
            options={"mip_rel_gap": gap},
        )  # fmt: skip
    if result.x is None:
        return None
    counts: NDArray[np.int64] = np.rint(result.x[:count]).astype(np.int64)
    return counts


def _restricted_lp(
    shares: NDArray[np.float64], reachable: NDArray[np.int64]
) -> tuple[NDArray[np.float64], float, NDArray[np.float64]]:
    """max z s.t. every reachable type's probability ≥ z, over the compositions found (columns of
    ``shares``, a type × composition matrix of c_t / m_t). Returns p, z and the types' duals."""
    panels = shares.shape[1]
    a = shares[reachable]
    objective = np.concatenate([np.zeros(panels), [-1.0]])
    a_ub = np.hstack([-a, np.ones((len(reachable), 1))])
    a_eq = np.concatenate([np.ones(panels), [0.0]])[None, :]
    result = linprog(
        objective, A_ub=a_ub, b_ub=np.zeros(len(reachable)), A_eq=a_eq, b_eq=[1.0],
        bounds=[(0, None)] * panels + [(None, None)], method="highs",
    )  # fmt: skip
    if result.status != 0:
        raise RuntimeError(f"restricted LP failed: {result.message}")
    return result.x[:panels], float(-result.fun), -np.asarray(result.ineqlin.marginals)


def maximin(problem: Problem) -> Distribution:
    """The distribution that maximises the smallest selection probability of anyone who can be
    selected at all (people whose type fits in no panel get 0)."""
    sizes = np.array(problem.types.sizes, dtype=float)
    count = len(sizes)
    found: list[NDArray[np.int64]] = []
    uncovered = list(range(count))
    while uncovered:
        composition = _best_composition(problem, np.zeros(count), cover=uncovered)
        if composition is None:
            raise Infeasible
        newly = [t for t in uncovered if composition[t] > 0]
        if not newly:
            break  # the types left fit in no panel
        found.append(composition)
        uncovered = [t for t in uncovered if composition[t] == 0]
    unreachable = set(uncovered)
    reachable = np.array([t for t in range(count) if t not in unreachable], dtype=np.int64)
    # Duals are smoothed towards the best ones seen (Wentges): plain duals jump from corner to
    # corner and the method creeps towards the optimum. Optimality is still only declared by the
    # exact MIP at the LP's own duals.
    center: NDArray[np.float64] | None = None
    best_bound = np.inf
    for _ in range(MAX_ROUNDS):
        shares = np.column_stack(found) / sizes[:, None]
        probabilities, value, duals = _restricted_lp(shares, reachable)
        weights = np.zeros(count)
        weights[reachable] = duals / sizes[reachable]
        smoothed = weights if center is None else SMOOTHING * center + (1 - SMOOTHING) * weights
        composition = _best_composition(problem, smoothed, gap=QUICK_GAP)
        if composition is not None and float(smoothed @ composition) < best_bound:
            best_bound, center = float(smoothed @ composition), smoothed
        if composition is None or float(weights @ composition) <= value + TOLERANCE:
            composition = _best_composition(problem, weights)
            if composition is None or float(weights @ composition) <= value + TOLERANCE:
                break
        found.append(composition)
    keep = probabilities > 1e-10
    kept = probabilities[keep] / probabilities[keep].sum()
    compositions = [c for c, k in zip(found, keep, strict=True) if k]
    per_type = (np.column_stack(compositions) / sizes[:, None]) @ kept
    return Distribution(
        compositions=tuple(tuple(int(x) for x in c) for c in compositions),
        probabilities=tuple(float(p) for p in kept),
        type_probability=tuple(float(p) for p in per_type),
    )
