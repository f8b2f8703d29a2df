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
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from atelier.errors import Refused
from atelier.panel.highs import Master, Pricing
from atelier.panel.model import Quota, Types
from atelier.panel.peel import peel
from atelier.panel.watch import Watch

TOLERANCE = 1e-7
EXACT_GAP = 1e-6  # the pricing MIP that declares optimality
MAX_ROUNDS = 5000
SMOOTHING = 0.5  # weight of the best duals seen so far in the duals priced
QUICK_GAP = 0.2  # relative optimality gap of the pricing MIP while it still finds improvements
QUICK_NODES = 1  # and its branch-and-bound nodes: the root's heuristics find most improvements
NEIGHBOURS = 60  # columns one swap away from each priced one, added with it
SWAP_CANDIDATES = 200  # the types most worth adding, among which swaps are looked for
DUAL_EPSILON = 1e-9  # a dual above this marks a type that cannot rise further (LEXIMIN)
FIX_SLACK = 1e-9  # a fixed type's floor sits this far below its level, for the LP's tolerances
LP_TOLERANCE = 1e-7  # HiGHS's primal feasibility tolerance (people)


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
    level: float  # the smallest probability among the types that fit in some panel
    bound: float  # proven: no distribution gives those types a smallest probability above it
    proven: bool  # optimal (MAXIMIN, or every LEXIMIN level), not stopped by the deadline

    @property
    def minimum(self) -> float:
        return min(self.type_probability)


def _covering_composition(problem: Problem, cover: Sequence[int]) -> NDArray[np.int64] | None:
    """The composition meeting the quotas that includes the most of the ``cover`` types (None:
    no composition meets the quotas)."""
    sizes = np.array(problem.types.sizes, dtype=float)
    count = len(sizes)
    rows, lows, highs = problem.matrix
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
    if result.x is None:
        return None
    counts: NDArray[np.int64] = np.rint(result.x[:count]).astype(np.int64)
    return counts


def _cover(problem: Problem, pricing: Pricing) -> tuple[list[NDArray[np.int64]], NDArray[np.int64]]:
    """Compositions that together include every type that fits in some panel, and those types.

    Each is first looked for fast (one person of as many uncovered types as fit: an LP and a small
    MIP near it); the exact MIP decides when that finds none, and says which types fit no panel.
    On a large pool the fast way covers thousands of types in seconds where the exact one took a
    minute."""
    count = len(problem.types.sizes)
    found: list[NDArray[np.int64]] = []
    uncovered = np.ones(count, dtype=bool)
    while uncovered.any():
        quick = pricing.covering(uncovered)
        composition = quick[0] if quick and (quick[0][uncovered] > 0).any() else None
        if composition is None:
            composition = _covering_composition(problem, np.flatnonzero(uncovered).tolist())
            if composition is None:
                raise Infeasible
            if not (composition[uncovered] > 0).any():
                break  # the types left fit in no panel
        found.append(composition)
        uncovered &= composition == 0
    return found, np.flatnonzero(~uncovered).astype(np.int64)


@dataclass(frozen=True)
class _Optimum:
    weights: NDArray[np.float64]  # of each composition found
    level: float  # z
    duals: NDArray[np.float64]  # of each reachable type's constraint
    proven: bool  # no composition can raise z (False: stopped by the deadline or the rounds)
    bound: float  # no mix of compositions gives z above it


def _solve(problem: Problem, pricing: Pricing, master: Master, found: list[NDArray[np.int64]],
           lower: NDArray[np.float64], watch: Watch, *, enough: float = np.inf) -> _Optimum:  # fmt: skip
    """Column generation: add the compositions the duals value more than the LP's convexity dual
    until there are none, until z reaches ``enough`` or until the watch's deadline; ``found`` and
    ``master`` grow together. ``lower`` holds the master's row bounds (each type's floor or target).

    Duals are smoothed towards the best ones seen (Wentges): plain duals jump from corner to corner
    and the method creeps towards the optimum. Optimality is still only declared by the exact MIP
    at the LP's own duals.

    Any duals π ≥ 0 summing to 1 over the rows z bounds give z ≤ max_c Σ π_t c_t / m_t − π·lower
    (Lagrangian duality): each pricing's upper bound at the weights it priced bounds z, so a
    search stopped early still says how far from the optimum it may be."""
    sizes = np.array(problem.types.sizes, dtype=float)
    reachable = master.reachable
    center: NDArray[np.float64] | None = None
    best_bound = upper = np.inf

    def bound_at(priced: NDArray[np.float64]) -> float:
        return pricing.upper - float((priced * sizes)[reachable] @ lower)

    for _ in range(MAX_ROUNDS):
        weights_of_panels, level, duals, convexity = master.solve()
        if level >= enough or watch.expired():
            return _Optimum(weights_of_panels, level, duals, level >= enough, upper)
        weights = np.zeros(len(sizes))
        weights[reachable] = duals / sizes[reachable]
        smoothed = weights if center is None else SMOOTHING * center + (1 - SMOOTHING) * weights
        # The LP relaxation rounded, at the smoothed duals then at the LP's own, before a full MIP.
        candidates = pricing.rounded(smoothed)
        upper = min(upper, bound_at(smoothed))
        if not any(float(weights @ c) > convexity + TOLERANCE for c in candidates):
            candidates = pricing.rounded(weights)
            upper = min(upper, bound_at(weights))
        if not any(float(weights @ c) > convexity + TOLERANCE for c in candidates):
            candidates = pricing.best(smoothed, gap=QUICK_GAP, nodes=QUICK_NODES)
            upper = min(upper, bound_at(smoothed))
        watch.round(lambda: float(master.probabilities().min()), upper if not lower.any() else None)
        if candidates:
            # The best panel found at the smoothed duals, less what the types are promised: the
            # lowest seen marks the duals to smooth towards.
            promised = float((smoothed * sizes)[reachable] @ lower)
            bound = float(smoothed @ candidates[0]) - promised
            if bound < best_bound:
                best_bound, center = bound, smoothed
        improving = [c for c in candidates if float(weights @ c) > convexity + TOLERANCE]
        if improving:
            improving += _neighbours(problem, improving[0], weights, convexity + TOLERANCE)
        if not improving:
            improving = [
                c for c in pricing.best(weights, gap=EXACT_GAP) if float(weights @ c) > convexity + TOLERANCE
            ]
            if not improving:
                return _Optimum(weights_of_panels, level, duals, True, level)
        master.add(improving)
        found.extend(improving)
    return _Optimum(weights_of_panels, level, duals, False, upper)


def _swaps(
    problem: Problem, composition: NDArray[np.int64], weights: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_], NDArray[np.float64]]:
    """Every swap of one person of a type present for one of a type not exhausted (among the
    SWAP_CANDIDATES most worth adding): the types out and in, whether the quotas still hold, the gain."""
    rows, lows, highs = problem.matrix
    sizes = np.array(problem.types.sizes)
    counts = rows @ composition
    out = np.flatnonzero(composition > 0)
    into = np.flatnonzero(composition < sizes)
    into = into[np.argsort(-weights[into])][:SWAP_CANDIDATES]
    # Quota counts after each swap (out i, in j): counts - row_i + row_j, for every pair.
    after = counts[:, None, None] - rows[:, out][:, :, None] + rows[:, into][:, None, :]
    fits = ((after >= lows[:, None, None]) & (after <= highs[:, None, None])).all(axis=0)
    fits &= out[:, None] != into[None, :]
    return out, into, fits, weights[into][None, :] - weights[out][:, None]


def _neighbours(
    problem: Problem, composition: NDArray[np.int64], weights: NDArray[np.float64], floor: float
) -> list[NDArray[np.int64]]:
    """Up to NEIGHBOURS compositions one swap away (one person of a type for one of another) that
    still meet the quotas and are worth more than ``floor``: cheap columns found without a MIP,
    which let the master LP move further each round."""
    out, into, fits, gain = _swaps(problem, composition, weights)
    value = float(weights @ composition) + gain
    ok = fits & (value > floor)
    pairs = np.argwhere(ok)
    pairs = pairs[np.argsort(-value[ok])][:NEIGHBOURS]
    found = []
    for i, j in pairs:
        swapped = composition.copy()
        swapped[out[i]] -= 1
        swapped[into[j]] += 1
        found.append(swapped)
    return found


def _distribution(problem: Problem, found: list[NDArray[np.int64]], optimum: _Optimum, master: Master,
                  *, bound: float, proven: bool) -> Distribution:  # fmt: skip
    sizes = np.array(problem.types.sizes, dtype=float)
    keep = optimum.weights > 1e-10
    kept = optimum.weights[keep] / optimum.weights[keep].sum()
    compositions = [c for c, k in zip(found, keep, strict=True) if k]
    per_type = (np.column_stack(compositions) / sizes[:, None]) @ kept
    level = float(per_type[master.reachable].min())
    return Distribution(
        compositions=tuple(tuple(int(x) for x in c) for c in compositions),
        probabilities=tuple(float(p) for p in kept),
        type_probability=tuple(float(p) for p in per_type),
        level=level,
        bound=max(level, bound),
        proven=proven,
    )


def _models(problem: Problem) -> tuple[Pricing, Master, list[NDArray[np.int64]]]:
    sizes = np.array(problem.types.sizes, dtype=float)
    pricing = Pricing(sizes, problem.size, *problem.matrix)
    found, reachable = _cover(problem, pricing)
    master = Master(sizes, reachable)
    master.add(found)
    return pricing, master, found


def maximin(problem: Problem, watch: Watch | None = None) -> Distribution:
    """The distribution that maximises the smallest selection probability of anyone who can be
    selected at all (people whose type fits in no panel get 0); the best one found by the watch's
    deadline, with its proven bound, when that comes first."""
    watch = watch or Watch()
    pricing, master, found = _models(problem)
    bound = watch.bound = relaxed_maximin(problem, master.reachable)
    optimum = _solve(problem, pricing, master, found, np.zeros(len(master.reachable)), watch)
    return _distribution(
        problem, found, optimum, master, bound=min(bound, optimum.bound), proven=optimum.proven
    )


def _relaxed_level(
    problem: Problem, reachable: NDArray[np.int64], free: NDArray[np.int64], lowest: NDArray[np.float64]
) -> Any:
    """The relaxation's LP raising z, the smallest probability of the ``free`` types, while each
    reachable type keeps at least ``lowest`` people (SciPy's result: the counts, then z)."""
    sizes = np.array(problem.types.sizes, dtype=float)
    count = len(reachable)
    people = sizes[reachable]
    rows, lows, highs = problem.matrix
    # Variables: the expected count of each reachable type, then z (maximised). Sparse: the rows
    # raising z are one type each, thousands of them on a large pool.
    quotas = sparse.hstack([sparse.csr_array(rows[:, reachable]), sparse.csr_array((len(rows), 1))])
    raise_z = sparse.csr_array(
        (np.concatenate([-1.0 / people[free], np.ones(len(free))]),
         (np.tile(np.arange(len(free)), 2), np.concatenate([free, np.full(len(free), count)]))),
        shape=(len(free), count + 1),
    )  # fmt: skip
    return linprog(
        np.concatenate([np.zeros(count), [-1.0]]), A_ub=sparse.vstack([raise_z, quotas, -quotas]),
        b_ub=np.concatenate([np.zeros(len(free)), highs, -lows]),
        A_eq=np.concatenate([np.ones(count), [0.0]])[None, :], b_eq=[float(problem.size)],
        bounds=[*zip(lowest, people, strict=True), (None, None)], method="highs-ds",
    )  # fmt: skip


def relaxed_maximin(problem: Problem, reachable: NDArray[np.int64]) -> float:
    """The MAXIMIN of the relaxation: no mix of real panels gives the reachable types a higher
    smallest probability (a bound known before the search begins)."""
    result = _relaxed_level(problem, reachable, np.arange(len(reachable)), np.zeros(len(reachable)))
    return float(result.x[-1]) + TOLERANCE if result.status == 0 else 1.0


def relaxed_leximin(
    problem: Problem, reachable: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """LEXIMIN over the panels' LP relaxation (fractional counts that meet the quotas): a few small
    LPs over the types, one per level. The relaxation holds every mix of real panels, so a mix that
    reaches its LEXIMIN is LEXIMIN. The reachable types' probabilities (a hair low) and the expected
    people of every type; None when the duals are degenerate."""
    people = np.array(problem.types.sizes, dtype=float)[reachable]
    floors = np.full(len(reachable), np.nan)
    point = np.zeros(len(problem.types.sizes))
    while np.isnan(floors).any():
        free = np.flatnonzero(np.isnan(floors))
        # A fixed type keeps its count less the LP's feasibility tolerance: the counts that gave
        # its level may have bent the quotas by that much, and the next LP must stay feasible.
        lowest = np.maximum(np.where(np.isnan(floors), 0.0, floors) * people - LP_TOLERANCE, 0.0)
        result = _relaxed_level(problem, reachable, free, lowest)
        if result.status != 0:
            return None
        level = float(result.x[-1])
        if level >= 1 - TOLERANCE:
            tight = free  # everyone left is certain to be chosen
        else:
            tight = free[-np.asarray(result.ineqlin.marginals[: len(free)]) > DUAL_EPSILON]
        if not len(tight):
            return None
        floors[tight] = level - FIX_SLACK
        point[reachable] = result.x[:-1]
    return floors, point


def leximin(problem: Problem, watch: Watch | None = None) -> Distribution:
    """MAXIMIN, then the same for everyone whose probability can still rise, and so on: the
    smallest probability as high as possible, then the second smallest, … (the paper's LEXIMIN).

    First, the LEXIMIN of the LP relaxation: panels peeled from it (see ``peel``) let the master LP
    reach it on large pools, in seconds. Otherwise, level by level, by column generation: the
    types whose constraint has a positive dual cannot rise above it; they are fixed there (a hair
    below, so that the LP stays feasible) and the others are raised.

    Stopped by the watch's deadline, the distribution found so far, with the bound on its smallest
    probability (the relaxation's first level, or the first level's own bound)."""
    watch = watch or Watch()
    pricing, master, found = _models(problem)
    sizes = np.array(problem.types.sizes, dtype=float)
    relaxed = relaxed_leximin(problem, master.reachable)
    bound = watch.bound = relaxed_maximin(problem, master.reachable)
    if relaxed is not None:
        target, point = relaxed
        peeled = peel(pricing, problem.matrix, sizes, point, watch.expired)
        master.add(peeled)
        found.extend(peeled)
        master.aim(target)
        optimum = _solve(problem, pricing, master, found, target, watch, enough=-TOLERANCE)
        if optimum.level >= -TOLERANCE or not optimum.proven:
            return _distribution(problem, found, optimum, master, bound=bound, proven=optimum.proven)
        master.aim(np.zeros(len(master.reachable)))
    floors = np.full(len(master.reachable), np.nan)
    while True:
        optimum = _solve(problem, pricing, master, found, np.nan_to_num(floors), watch)
        if np.isnan(floors).all():
            bound = min(bound, optimum.bound)
        if not optimum.proven:
            return _distribution(problem, found, optimum, master, bound=bound, proven=False)
        free = np.isnan(floors)
        tight = free & (optimum.duals > DUAL_EPSILON)
        if not tight.any():  # degenerate duals: fix the lowest instead (at least one is at z)
            shares = (np.column_stack(found) / sizes[:, None])[master.reachable]
            probabilities = shares @ optimum.weights
            tight = free & (probabilities <= probabilities[free].min() + TOLERANCE)
        floors[tight] = optimum.level - FIX_SLACK
        master.fix(np.flatnonzero(tight), optimum.level - FIX_SLACK)
        if not np.isnan(floors).any():
            return _distribution(problem, found, optimum, master, bound=bound, proven=True)


ALGORITHMS = {"maximin": maximin, "leximin": leximin}


def solve(problem: Problem, algorithm: str, watch: Watch | None = None) -> Distribution:
    """The distribution by the named method (see ``Watch`` for its deadline and progress); an
    unknown name is refused in French."""
    if algorithm not in ALGORITHMS:
        raise Refused(
            f"méthode inconnue « {algorithm} » : « maximin » ou « leximin »",
            f"unknown algorithm {algorithm!r}",
        )
    return ALGORITHMS[algorithm](problem, watch)
