"""The lottery stopped by its deadline: the distribution found so far, with a bound that is true."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atelier.cli.lottery_progress import progress_line
from atelier.panel.lottery import Distribution, Infeasible, Problem, leximin, maximin
from atelier.panel.model import Quota, types_of
from atelier.panel.watch import Progress, Watch
from bench.lottery import population_quotas, volunteer_pool
from tests.unit.lottery_helpers import (
    THREE,
    UNREACHABLE_RELAXATION,
    all_compositions,
    best_minimum,
    meets,
    problem_of,
    three_criteria,
)


def _ticks() -> Callable[[], float]:
    """A clock one second further at every reading: the deadline counts the solver's steps."""
    counter = itertools.count()
    return lambda: float(next(counter))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(three_criteria(), st.integers(0, 12), st.sampled_from([maximin, leximin]))
@example(UNREACHABLE_RELAXATION, 0, maximin)
@example(UNREACHABLE_RELAXATION, 3, leximin)
def test_a_stopped_search_publishes_panels_that_meet_the_quotas_and_a_bound_above_the_optimum(
    instance: tuple[list[tuple[str, ...]], list[Quota], int],
    seconds: int,
    method: Callable[[Problem, Watch], Distribution],
) -> None:
    """Stopped after any number of steps, MAXIMIN or LEXIMIN: every panel meets the quotas, the
    stated smallest probability is the distribution's own and at most the exact MAXIMIN (over
    every panel), the stated bound at least that; a distribution said proven is the optimum."""
    features, quotas, size = instance
    problem = problem_of(features, quotas, size, THREE)[1]
    feasible = [c for c in all_compositions(problem) if meets(problem, c, problem.quotas)]
    try:
        stopped = method(problem, Watch(max_seconds=seconds, clock=_ticks()))
    except Infeasible:
        assert not feasible
        return
    assert all(meets(problem, c, problem.quotas) for c in stopped.compositions)
    best = best_minimum(problem, feasible)
    reachable = [t for t in range(len(problem.types.sizes)) if any(c[t] for c in feasible)]
    assert abs(stopped.level - min(stopped.type_probability[t] for t in reachable)) < 1e-9
    assert stopped.level <= best + 1e-6 <= stopped.bound + 2e-6
    if stopped.proven and method is maximin:
        assert abs(stopped.level - best) < 1e-6


def test_progress_is_reported_as_the_search_goes_and_its_bound_closes_on_the_optimum() -> None:
    """On 400 volunteers and six criteria, each report has more rounds than the last, a minimum
    that never exceeds the bound; the search ends proven, at the bound it stated from the start."""
    pool = volunteer_pool(400, random.Random(1))
    problem = Problem(types_of(pool), pool.categories, population_quotas(15, 1), 15)
    reports: list[Progress] = []
    distribution = maximin(problem, Watch(report=reports.append, clock=_ticks(), every=1.0))
    assert len(reports) > 3
    assert all(a.rounds < b.rounds for a, b in itertools.pairwise(reports))
    assert all(r.minimum <= r.bound + 1e-9 for r in reports)
    assert reports[0].minimum < distribution.level - 1e-3
    assert distribution.proven and abs(distribution.bound - distribution.level) < 1e-9
    assert distribution.level <= reports[-1].bound + 1e-9


def test_stopped_short_of_the_optimum_both_methods_state_a_bound_above_it() -> None:
    """On 400 volunteers and six criteria, MAXIMIN and LEXIMIN stopped after a few steps (LEXIMIN
    while it peels panels from the relaxation, which took minutes on 10,000 volunteers whatever
    the deadline) are below the optimum, say so (not proven) and give a bound at or above it,
    never their own minimum."""
    pool = volunteer_pool(400, random.Random(1))
    problem = Problem(types_of(pool), pool.categories, population_quotas(15, 1), 15)
    optimum = maximin(problem).level
    for method, steps in itertools.product([maximin, leximin], [0, 4, 10]):
        stopped = method(problem, Watch(max_seconds=steps, clock=_ticks()))
        assert not stopped.proven and stopped.level < optimum - 1e-4, (method, steps)
        assert optimum <= stopped.bound + 1e-9, (method, steps)


def test_the_progress_line_writes_its_numbers_in_french() -> None:
    """Rounds, the minimum and the bound as « 1,636 % » (a no-break space before %), whole seconds."""
    line = progress_line(Progress(rounds=12, minimum=0.016358, bound=0.016593, seconds=31.3))
    assert line == (
        "Recherche en cours : 12 tours, plus faible probabilité 1,636\xa0%, borne prouvée 1,659\xa0%, 31 s"
    )
