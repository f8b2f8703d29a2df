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

from atelier.errors import Refused
from atelier.panel.model import Quota, Types

TOLERANCE = 1e-7
MAX_ROUNDS = 5000
SMOOTHING = 0.5  # weight of the best duals seen so far in the duals priced
QUICK_GAP = 0.2  # relative optimality gap of the pricing MIP while it still finds improvements
DUAL_EPSILON = 1e-9  # a dual above this marks a type that cannot rise further (LEXIMIN)
FIX_SLACK = 1e-9  # a fixed type's floor sits this far below its level, for the LP's tolerances


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


@dataclass(frozen=True)
class _Master:
    """The restricted LP's optimum: the weights of the compositions found, the level z, the duals
    of the reachable types' constraints and of « the weights sum to 1 »."""

    weights: NDArray[np.float64]
    level: float
    duals: NDArray[np.float64]
    convexity: float


def _restricted_lp(
    shares: NDArray[np.float64], reachable: NDArray[np.int64], floors: NDArray[np.float64]
) -> _Master:
    """max z s.t. each reachable type's probability is ≥ its floor when it has one (NaN: none),
    ≥ z otherwise, over the compositions found (columns of ``shares``, type × composition, c_t / m_t)."""
    panels = shares.shape[1]
    free = np.isnan(floors)
    objective = np.concatenate([np.zeros(panels), [-1.0]])
    a_ub = np.hstack([-shares[reachable], free[:, None].astype(float)])
    b_ub = np.where(free, 0.0, -np.nan_to_num(floors))
    a_eq = np.concatenate([np.ones(panels), [0.0]])[None, :]
    result = linprog(
        objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0],
        bounds=[(0, None)] * panels + [(None, None)], method="highs",
    )  # fmt: skip
    if result.status != 0:
        raise RuntimeError(f"restricted LP failed: {result.message}")
    return _Master(
        result.x[:panels], float(-result.fun), -np.asarray(result.ineqlin.marginals),
        float(-result.eqlin.marginals[0]),
    )  # fmt: skip


def _cover(problem: Problem) -> tuple[list[NDArray[np.int64]], NDArray[np.int64]]:
    """Compositions that together include every type that fits in some panel, and those types."""
    count = len(problem.types.sizes)
    found: list[NDArray[np.int64]] = []
    uncovered = list(range(count))
    while uncovered:
        composition = _best_composition(problem, np.zeros(count), cover=uncovered)
        if composition is None:
            raise Infeasible
        if not any(composition[t] > 0 for t in uncovered):
            break  # the types left fit in no panel
        found.append(composition)
        uncovered = [t for t in uncovered if composition[t] == 0]
    unreachable = set(uncovered)
    return found, np.array([t for t in range(count) if t not in unreachable], dtype=np.int64)


def _solve(problem: Problem, found: list[NDArray[np.int64]], reachable: NDArray[np.int64],
           floors: NDArray[np.float64]) -> _Master:  # fmt: skip
    """Column generation: add the composition the duals value most until none is worth more than
    the LP's convexity dual; ``found`` grows in place.

    Duals are smoothed towards the best ones seen (Wentges): plain duals jump from corner to corner
    and the method creeps towards the optimum. Optimality is still only declared by the exact MIP
    at the LP's own duals."""
    sizes = np.array(problem.types.sizes, dtype=float)
    fixed = ~np.isnan(floors)
    center: NDArray[np.float64] | None = None
    best_bound = np.inf
    for _ in range(MAX_ROUNDS):
        master = _restricted_lp(np.column_stack(found) / sizes[:, None], reachable, floors)
        weights = np.zeros(len(sizes))
        weights[reachable] = master.duals / sizes[reachable]
        smoothed = weights if center is None else SMOOTHING * center + (1 - SMOOTHING) * weights
        composition = _best_composition(problem, smoothed, gap=QUICK_GAP)
        if composition is not None:
            # The Lagrangian bound at these duals: what the best panel is worth, less what the
            # fixed types are promised.
            bound = float(smoothed @ composition) - float(
                (smoothed * sizes)[reachable][fixed] @ floors[fixed]
            )
            if bound < best_bound:
                best_bound, center = bound, smoothed
        if composition is None or float(weights @ composition) <= master.convexity + TOLERANCE:
            composition = _best_composition(problem, weights)
            if composition is None or float(weights @ composition) <= master.convexity + TOLERANCE:
                return master
        found.append(composition)
    return master


def _distribution(problem: Problem, found: list[NDArray[np.int64]], master: _Master) -> Distribution:
    sizes = np.array(problem.types.sizes, dtype=float)
    keep = master.weights > 1e-10
    kept = master.weights[keep] / master.weights[keep].sum()
    compositions = [c for c, k in zip(found, keep, strict=True) if k]
    per_type = (np.column_stack(compositions) / sizes[:, None]) @ kept
    return Distribution(
        compositions=tuple(tuple(int(x) for x in c) for c in compositions),
        probabilities=tuple(float(p) for p in kept),
        type_probability=tuple(float(p) for p in per_type),
    )


def maximin(problem: Problem) -> Distribution:
    """The distribution that maximises the smallest selection probability of anyone who can be
    selected at all (people whose type fits in no panel get 0)."""
    found, reachable = _cover(problem)
    master = _solve(problem, found, reachable, np.full(len(reachable), np.nan))
    return _distribution(problem, found, master)


def leximin(problem: Problem) -> Distribution:
    """MAXIMIN, then the same for everyone whose probability can still rise, and so on: the
    smallest probability as high as possible, then the second smallest, … (the paper's LEXIMIN).

    At each level, the types whose constraint has a positive dual cannot rise above it: they are
    fixed there (a hair below, so that the LP stays feasible) and the others are raised."""
    found, reachable = _cover(problem)
    floors = np.full(len(reachable), np.nan)
    while True:
        master = _solve(problem, found, reachable, floors)
        free = np.isnan(floors)
        tight = free & (master.duals > DUAL_EPSILON)
        if not tight.any():  # degenerate duals: fix the lowest instead (at least one is at z)
            shares = (np.column_stack(found) / np.array(problem.types.sizes, dtype=float)[:, None])[reachable]
            probabilities = shares @ master.weights
            tight = free & (probabilities <= probabilities[free].min() + TOLERANCE)
        floors[tight] = master.level - FIX_SLACK
        if not np.isnan(floors).any():
            return _distribution(problem, found, master)


ALGORITHMS = {"maximin": maximin, "leximin": leximin}


def solve(problem: Problem, algorithm: str) -> Distribution:
    """The distribution by the named method; an unknown name is refused in French."""
    if algorithm not in ALGORITHMS:
        raise Refused(
            f"méthode inconnue « {algorithm} » : « maximin » ou « leximin »",
            f"unknown algorithm {algorithm!r}",
        )
    return ALGORITHMS[algorithm](problem)
