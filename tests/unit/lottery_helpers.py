"""What the lottery's unit tests share: small problems, every composition of them, the exact
MAXIMIN over all of them, and pools drawn by Hypothesis."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import linprog

from atelier.panel.lottery import Problem
from atelier.panel.model import Pool, Quota, types_of

CATEGORIES = ("genre", "age")
VALUES = {"genre": ("F", "H"), "age": ("jeune", "adulte", "senior")}


def problem_of(
    features: Sequence[tuple[str, ...]],
    quotas: list[Quota],
    size: int,
    categories: tuple[str, ...] = CATEGORIES,
) -> tuple[Pool, Problem]:
    pool = Pool(tuple(f"v{i + 1}" for i in range(len(features))), categories, tuple(features))
    return pool, Problem(types_of(pool), categories, tuple(quotas), size)


def count_in(problem: Problem, composition: tuple[int, ...], quota: Quota) -> int:
    at = problem.categories.index(quota.category)
    return sum(c for key, c in zip(problem.types.keys, composition, strict=True) if key[at] == quota.value)


def meets(problem: Problem, composition: tuple[int, ...], quotas: tuple[Quota, ...]) -> bool:
    for q in quotas:
        n = count_in(problem, composition, q)
        if not q.min <= n <= q.max:
            return False
    return sum(composition) == problem.size


def all_compositions(problem: Problem) -> list[tuple[int, ...]]:
    ranges = [range(m + 1) for m in problem.types.sizes]
    return [c for c in itertools.product(*ranges) if sum(c) == problem.size]


def best_minimum(problem: Problem, feasible: list[tuple[int, ...]]) -> float:
    """MAXIMIN over every feasible composition at once (no column generation), for people whose
    type appears in some panel."""
    sizes = np.array(problem.types.sizes, dtype=float)
    shares = np.array(feasible, dtype=float).T / sizes[:, None]
    reachable = [t for t in range(len(sizes)) if shares[t].max() > 0]
    panels = len(feasible)
    result = linprog(
        np.concatenate([np.zeros(panels), [-1.0]]),
        A_ub=np.hstack([-shares[reachable], np.ones((len(reachable), 1))]), b_ub=np.zeros(len(reachable)),
        A_eq=np.concatenate([np.ones(panels), [0.0]])[None, :], b_eq=[1.0],
        bounds=[(0, None)] * panels + [(None, None)], method="highs",
    )  # fmt: skip
    return float(-result.fun)


def quotas_around(
    draw_: st.DrawFn, panel: Sequence[tuple[str, ...]], values: dict[str, tuple[str, ...]], *, above: int
) -> list[Quota]:
    """Quotas that this panel meets: each value's minimum up to one below its count in the panel,
    its maximum up to ``above`` over it."""
    quotas = []
    for at, (category, category_values) in enumerate(values.items()):
        for value in category_values:
            count = sum(1 for f in panel if f[at] == value)
            low = max(0, count - draw_(st.integers(0, 1)))
            quotas.append(Quota(category, value, low, count + draw_(st.integers(0, above))))
    return quotas


THREE = ("diplôme", "habitat", "avis")


@st.composite
def three_criteria(draw_: st.DrawFn) -> tuple[list[tuple[str, ...]], list[Quota], int]:
    """Small pools on three yes/no criteria: unlike two criteria, the panels' LP relaxation may then
    have corners that are no real panel."""
    features = draw_(st.lists(st.tuples(*[st.sampled_from(("oui", "non"))] * 3), min_size=3, max_size=8))
    size = draw_(st.integers(1, min(4, len(features))))
    panel = draw_(st.permutations(features))[:size]
    return features, quotas_around(draw_, panel, {c: ("oui", "non") for c in THREE}, above=1), size


# Found by a random search: one of the rare small pools whose relaxation LEXIMIN no panel mix reaches.
YES, NO = "oui", "non"
UNREACHABLE_RELAXATION = (
    [(YES, YES, YES), (YES, NO, NO), (YES, YES, YES), (NO, NO, NO), (NO, NO, YES), (NO, YES, NO),
     (YES, YES, YES), (YES, YES, YES)],
    [Quota("diplôme", "oui", 3, 4), Quota("diplôme", "non", 2, 2), Quota("habitat", "oui", 2, 4),
     Quota("habitat", "non", 1, 2), Quota("avis", "oui", 2, 4), Quota("avis", "non", 2, 2)],
    5,
)  # fmt: skip
