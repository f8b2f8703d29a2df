"""MAXIMIN and LEXIMIN against a greedy draw on volunteer pools skewed as real ones are (issues 10, 29).

For each size, seed and shape of pool: the smallest selection probability, the bound proven on it,
the share of the pool below half of K/n, the wall time and the peak memory of each solve (in a
process of its own), against the greedy draw estimated over repeated draws (the baseline, measured
in the same run). Seven criteria (the convention's six and a region), quotas of ±1 person around
population shares; pools with correlated criteria, and quotas at the edge of feasibility.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import resource
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import cast

import numpy as np

from atelier.panel.lottery import Distribution, Infeasible, Problem, solve
from atelier.panel.model import Pool, Quota, types_of
from atelier.panel.relax import smallest_relaxation
from atelier.panel.watch import Watch

# (category, [(value, share in the population, weight in the pool)]): the pool has more
# graduates, executives and retirees, fewer young people and manual workers.
CRITERIA = [
    ("genre", [("femme", 0.52, 0.50), ("homme", 0.48, 0.50)]),
    ("âge", [("18-24", 0.11, 0.05), ("25-34", 0.15, 0.12), ("35-49", 0.25, 0.23), ("50-64", 0.25, 0.28),
             ("65+", 0.24, 0.32)]),
    ("résidence", [("urbain", 0.60, 0.66), ("périurbain", 0.25, 0.22), ("rural", 0.15, 0.12)]),
    ("CSP", [("cadre", 0.18, 0.32), ("intermédiaire", 0.24, 0.24), ("employé", 0.26, 0.16),
             ("ouvrier", 0.17, 0.06), ("retraité", 0.15, 0.22)]),
    ("diplôme", [("sans bac", 0.40, 0.18), ("bac", 0.22, 0.22), ("supérieur", 0.38, 0.60)]),
    ("attitude", [("favorable", 0.40, 0.50), ("neutre", 0.35, 0.30), ("défavorable", 0.25, 0.20)]),
]  # fmt: skip
REGION = ("région", [("nord", 0.20, 0.18), ("est", 0.20, 0.16), ("ouest", 0.20, 0.24), ("sud", 0.20, 0.26),
                     ("centre", 0.20, 0.16)])  # fmt: skip
SEVEN = [*CRITERIA, REGION]  # the convention's criteria: 30 values
SIZES = [(400, 15), (1_500, 35), (2_000, 200), (10_000, 150)]
GREEDY_SECONDS = 60.0  # the greedy baseline's time: its estimate is over the panels drawn by then
# Who a person is, given their age (CSP) or their CSP (diploma), when criteria are correlated as in
# real pools: retirees are over 65, executives are graduates, the young are rarely executives.
CSP_GIVEN_AGE = {"18-24": (0.05, 0.25, 0.45, 0.25, 0.0), "65+": (0.04, 0.03, 0.02, 0.01, 0.90)}
DIPLOMA_GIVEN_CSP = {
    "cadre": (0.03, 0.07, 0.90),
    "ouvrier": (0.65, 0.25, 0.10),
    "employé": (0.40, 0.35, 0.25),
}


def _pick(
    rng: random.Random, values: list[tuple[str, float, float]], weights: tuple[float, ...] | None
) -> str:
    return rng.choices([v for v, _, _ in values], weights=weights or [w for _, _, w in values])[0]


def volunteer_pool(
    n: int, rng: random.Random, criteria: list[tuple[str, list[tuple[str, float, float]]]] = CRITERIA,
    *, correlated: bool = False,
) -> Pool:  # fmt: skip
    """``n`` volunteers drawn with the pool's weights, each criterion on its own or (``correlated``)
    the CSP following the age and the diploma following the CSP."""
    values = dict(criteria)
    features = []
    for _ in range(n):
        person: dict[str, str] = {}
        for category, options in criteria:
            given: tuple[float, ...] | None = None
            if correlated and category == "CSP":
                given = CSP_GIVEN_AGE.get(person["âge"])
            elif correlated and category == "diplôme":
                given = DIPLOMA_GIVEN_CSP.get(person["CSP"])
            person[category] = _pick(rng, options, given)
        features.append(tuple(person[c] for c in values))
    return Pool(tuple(str(i + 1) for i in range(n)), tuple(values), tuple(features))


def population_quotas(
    k: int, slack: int, criteria: list[tuple[str, list[tuple[str, float, float]]]] = CRITERIA
) -> tuple[Quota, ...]:
    """Each value's population share of ``k``, rounded down and up, widened by ``slack`` people."""
    return tuple(
        Quota(c, v, max(0, math.floor(share * k) - slack), math.ceil(share * k) + slack)
        for c, values in criteria
        for v, share, _ in values
    )


def _greedy_probabilities(
    pool: Pool, quotas: tuple[Quota, ...], k: int, draws: int, seed: int, max_seconds: float = GREEDY_SECONDS
) -> tuple[np.ndarray, int, int]:
    """The legacy greedy draw: fill the most urgent quota first with a random volunteer who fits,
    start again on a dead end; probabilities estimated over ``draws`` panels, or over those drawn
    in ``max_seconds`` (with seven tight criteria most attempts end in a dead end). The
    probabilities, the panels drawn and the attempts."""
    rng = np.random.default_rng(seed)
    at = {c: i for i, c in enumerate(pool.categories)}
    has = np.array([[f[at[q.category]] == q.value for q in quotas] for f in pool.features])  # n × quotas
    low = np.array([q.min for q in quotas])
    high = np.array([q.max for q in quotas])
    counts = np.zeros(len(pool.ids))
    done = attempts = 0
    started = time.perf_counter()
    while done < draws and (time.perf_counter() - started < max_seconds or done == 0):
        attempts += 1
        chosen = np.zeros(len(pool.ids), dtype=bool)
        filled = np.zeros(len(quotas), dtype=int)
        for _ in range(k):
            fits = ~chosen & ~(has & (filled >= high)).any(axis=1)
            available = has[fits].sum(axis=0)
            urgency = np.where(filled < low, (low - filled) / np.maximum(available, 1), -1.0)
            candidates = fits & has[:, int(np.argmax(urgency))] if urgency.max() > 0 else fits
            if not candidates.any():
                break
            pick = rng.choice(np.flatnonzero(candidates))
            chosen[pick] = True
            filled += has[pick]
        else:
            if (filled >= low).all():
                counts += chosen
                done += 1
    return counts / done, done, attempts


@dataclass(frozen=True)
class Shape:
    """A kind of pool the benchmark draws: its criteria, whether they are correlated, its quotas."""

    name: str
    correlated: bool
    near_infeasible: bool  # quotas at the edge: the ±0 quotas relaxed by the fewest people possible


SHAPES = {
    "skewed": Shape("skewed, independent criteria, quotas ±1", False, False),
    "correlated": Shape("skewed, CSP by age and diploma by CSP, quotas ±1", True, False),
    "edge": Shape("skewed, quotas ±0 relaxed just enough (near-infeasible)", False, True),
}


def shaped_problem(shape: Shape, n: int, k: int, seed: int) -> tuple[Pool, Problem, str]:
    """The pool of ``n`` volunteers drawn from ``seed`` with seven criteria, its quotas, and how
    they were set."""
    pool = volunteer_pool(n, random.Random(seed), SEVEN, correlated=shape.correlated)
    types = types_of(pool)
    quotas = population_quotas(k, 0 if shape.near_infeasible else 1, SEVEN)
    problem = Problem(types, pool.categories, quotas, k)
    if not shape.near_infeasible:
        return pool, problem, "±1"
    relaxed = smallest_relaxation(problem)
    moved = sum(a.min - b.min + b.max - a.max for a, b in zip(quotas, relaxed or (), strict=True))
    return pool, Problem(types, pool.categories, relaxed or quotas, k), f"±0 relaxed by {moved}"


def _solve_in_child(problem: Problem, algorithm: str, max_seconds: float) -> dict[str, object]:
    """The solve in a forked process of its own: its peak memory is its own, not the benchmark's."""

    def work(conn: Connection) -> None:
        started = time.perf_counter()
        try:
            distribution = solve(problem, algorithm, Watch(max_seconds))
        except Infeasible:
            conn.send({"infeasible": True})
            return
        conn.send({
            "distribution": distribution, "seconds": time.perf_counter() - started,
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        })  # fmt: skip

    receiving, sending = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=work, args=(sending,))
    child.start()
    result: dict[str, object] = receiving.recv()
    child.join()
    return result


def run_lottery(
    max_seconds: float = 300.0, seeds: tuple[int, ...] = (1, 2, 3), shapes: tuple[str, ...] = tuple(SHAPES),
    sizes: tuple[tuple[int, int], ...] = tuple(SIZES),
) -> None:  # fmt: skip
    """Every size and seed on skewed pools; the correlated and near-infeasible shapes on the first seed."""
    print(
        "Lottery: MAXIMIN and LEXIMIN against a greedy draw; seven criteria "
        f"({sum(len(v) for _, v in SEVEN)} values: {', '.join(c for c, _ in SEVEN)}); "
        f"seeds {', '.join(map(str, seeds))}; "
        f"each solve stopped after {max_seconds:.0f} s with its proven gap"
    )
    print("  generator: bench.lottery.volunteer_pool(n, random.Random(seed), SEVEN, correlated=…)")
    runs = [(shape, seed) for shape in ("skewed",) if shape in shapes for seed in seeds]
    runs += [(shape, seeds[0]) for shape in ("correlated", "edge") if shape in shapes]
    for key, seed in runs:
        shape = SHAPES[key]
        for n, k in sizes:
            _bench_one(shape, n, k, seed, max_seconds)
    print("  goals at 10,000 → 150: MAXIMIN under 60 s, LEXIMIN under 120 s, each under 2,048 MiB")


def _bench_one(shape: Shape, n: int, k: int, seed: int, max_seconds: float) -> None:
    pool, problem, quotas_note = shaped_problem(shape, n, k, seed)
    fair = k / n
    print(
        f"  {shape.name}; {n} → {k}, seed {seed}, quotas {quotas_note}, "
        f"{len(problem.types.keys)} types, K/n = {fair:.2%}:"
    )
    minima = {}
    for algorithm in ("maximin", "leximin"):
        result = _solve_in_child(problem, algorithm, max_seconds)
        if "infeasible" in result:
            print("    no panel meets these quotas")
            return
        distribution = cast(Distribution, result["distribution"])
        by_type = dict(zip(problem.types.keys, distribution.type_probability, strict=True))
        p = np.array([by_type[f] for f in pool.features])
        minima[algorithm] = p.min()
        verdict = (
            "proven"
            if distribution.proven
            else f"STOPPED, gap ≤ {distribution.bound - distribution.level:.4%}"
        )
        print(
            f"    {algorithm.upper():8} min {p.min():.4%}  bound {distribution.bound:.4%} ({verdict})  "
            f"below K/2n {np.mean(p < fair / 2):5.1%}  time {result['seconds']:6.1f} s  "
            f"peak {result['peak']:5.0f} MiB  ({len(distribution.compositions)} panels)"
        )
    draws = 1_000 if n <= 2_000 else 200
    started = time.perf_counter()
    greedy_p, drawn, attempts = _greedy_probabilities(pool, problem.quotas, k, draws, seed=seed)
    elapsed = time.perf_counter() - started
    ratio = minima["maximin"] / greedy_p.min() if greedy_p.min() > 0 else math.inf
    print(
        f"    greedy   min {greedy_p.min():.4%} (estimated over {drawn} panels, {attempts} attempts)  "
        f"below K/2n {np.mean(greedy_p < fair / 2):5.1%}  time {elapsed:6.1f} s;  MAXIMIN / greedy minimum: "
        f"{ratio:.1f}x"
    )
