"""Infeasible quotas explained by the smallest relaxation that makes a draw possible: the fewest
people, in all, by which minima must come down and maxima go up (an integer program)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from atelier.errors import Refused
from atelier.french import count
from atelier.panel.lottery import Distribution, Infeasible, Problem, solve
from atelier.panel.model import Quota
from atelier.panel.watch import Watch


def smallest_relaxation(problem: Problem) -> tuple[Quota, ...] | None:
    """Quotas as close as possible to the asked ones (sum of the changes, minimal) that some panel
    meets; None when not even relaxing them helps (the pool is smaller than the panel)."""
    sizes = np.array(problem.types.sizes, dtype=float)
    if sizes.sum() < problem.size:
        return None
    rows, lows, highs = problem.matrix
    count, quotas = len(sizes), len(lows)
    # Variables: counts per type, then how far each minimum comes down, then each maximum goes up.
    objective = np.concatenate([np.zeros(count), np.ones(2 * quotas)])
    eye = np.eye(quotas)
    constraints = [
        LinearConstraint(
            np.concatenate([np.ones(count), np.zeros(2 * quotas)])[None, :], problem.size, problem.size
        ),
        LinearConstraint(
            np.hstack([rows, eye, np.zeros((quotas, quotas))]), lows, np.inf
        ),  # count + down ≥ min
        LinearConstraint(
            np.hstack([rows, np.zeros((quotas, quotas)), -eye]), -np.inf, highs
        ),  # count - up ≤ max
    ]
    upper = np.concatenate([sizes, lows, np.full(quotas, float(problem.size))])
    result = milp(objective, constraints=constraints, integrality=np.ones(count + 2 * quotas),
                  bounds=Bounds(0, upper))  # fmt: skip
    if result.x is None:
        return None
    down = np.rint(result.x[count : count + quotas]).astype(int)
    up = np.rint(result.x[count + quotas :]).astype(int)
    return tuple(
        Quota(q.category, q.value, q.min - int(d), q.max + int(u))
        for q, d, u in zip(problem.quotas, down, up, strict=True)
    )


def explain(problem: Problem, relaxed: tuple[Quota, ...] | None) -> list[str]:
    """In French, what to change: « le vivier ne compte que 1 personne « 18-24 ans » (âge) pour un
    minimum de 3 : abaisser le minimum à 1 rendrait le tirage possible »."""
    pool_size = sum(problem.types.sizes)
    if relaxed is None:
        return [f"le vivier ne compte que {pool_size} personnes pour un panel de {problem.size}"]
    rows, _, _ = problem.matrix
    in_pool = rows @ np.array(problem.types.sizes, dtype=float)
    lines = []
    for before, after, available in zip(problem.quotas, relaxed, in_pool, strict=True):
        what = f"« {before.value} » ({before.category})"
        if after.min < before.min and available < before.min:
            people = "aucune personne" if available == 0 else "que " + count(int(available), "personne")
            lines.append(
                f"le vivier ne compte {people} {what} pour un minimum de {before.min} : "
                f"abaisser le minimum à {after.min} rendrait le tirage possible"
            )
        elif after.min < before.min:
            lines.append(
                f"abaisser le minimum {what} de {before.min} à {after.min} rendrait le tirage possible"
            )
        if after.max > before.max:
            lines.append(
                f"relever le maximum {what} de {before.max} à {after.max} rendrait le tirage possible"
            )
    return lines


def _infeasible(problem: Problem, relaxed: tuple[Quota, ...] | None) -> Refused:
    fixes = explain(problem, relaxed)
    return Refused("tirage impossible avec ces quotas : " + " ; ".join(fixes), "infeasible quotas")


def refuse_if_infeasible(problem: Problem) -> None:
    """Refuses at once, in French with the smallest change that would help, quotas no panel meets
    (one MIP: a seal asked for is refused before it waits for an engine)."""
    relaxed = smallest_relaxation(problem)
    if relaxed != problem.quotas:
        raise _infeasible(problem, relaxed)


def solve_or_explain(problem: Problem, algorithm: str, watch: Watch | None = None) -> Distribution:
    """The distribution; quotas no panel meets are refused in French with the smallest change
    that would make the draw possible."""
    try:
        return solve(problem, algorithm, watch)
    except Infeasible:
        raise _infeasible(problem, smallest_relaxation(problem)) from None
