"""MAXIMIN against a greedy draw on volunteer pools skewed as real ones are (issue 10).

For each size: the smallest selection probability, the share of the pool below half of K/n and
the wall time — MAXIMIN exactly (its LP), the greedy draw estimated over repeated draws (the
baseline, measured in the same run). Six criteria, quotas from population shares.
"""

from __future__ import annotations

import math
import random
import resource
import time

import numpy as np

from atelier.panel.lottery import Infeasible, Problem, leximin, maximin
from atelier.panel.model import Pool, Quota, types_of

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
SIZES = [(400, 15), (1_500, 35), (2_000, 200), (10_000, 150)]
LEXIMIN_SIZE = (400, 15)


def _pool(n: int, rng: random.Random) -> Pool:
    categories = tuple(c for c, _ in CRITERIA)
    features = tuple(
        tuple(
            rng.choices([v for v, _, _ in values], weights=[w for _, _, w in values])[0]
            for _, values in CRITERIA
        )
        for _ in range(n)
    )
    return Pool(tuple(str(i + 1) for i in range(n)), categories, features)


def _quotas(k: int, slack: int) -> tuple[Quota, ...]:
    return tuple(
        Quota(c, v, max(0, math.floor(share * k) - slack), math.ceil(share * k) + slack)
        for c, values in CRITERIA
        for v, share, _ in values
    )


def _greedy_probabilities(pool: Pool, quotas: tuple[Quota, ...], k: int, draws: int, seed: int) -> np.ndarray:
    """The legacy greedy draw: fill the most urgent quota first with a random volunteer who fits,
    start again on a dead end; probabilities estimated over ``draws`` panels."""
    rng = np.random.default_rng(seed)
    at = {c: i for i, c in enumerate(pool.categories)}
    has = np.array([[f[at[q.category]] == q.value for q in quotas] for f in pool.features])  # n × quotas
    low = np.array([q.min for q in quotas])
    high = np.array([q.max for q in quotas])
    counts = np.zeros(len(pool.ids))
    done = 0
    while done < draws:
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
    return counts / draws


def run_lottery() -> None:
    print("Lottery: MAXIMIN against a greedy draw, six criteria, pools skewed like real volunteers")
    for n, k in SIZES:
        rng = random.Random(n)
        pool = _pool(n, rng)
        for slack in (0, 1, 2):  # quotas from shares, widened until a panel exists
            quotas = _quotas(k, slack)
            problem = Problem(types_of(pool), pool.categories, quotas, k)
            started = time.perf_counter()
            try:
                distribution = maximin(problem)
            except Infeasible:
                continue
            elapsed = time.perf_counter() - started
            break
        else:
            print(f"  {n} → {k}: no panel meets the quotas")
            continue
        fair = k / n
        by_type = dict(zip(problem.types.keys, distribution.type_probability, strict=True))
        maximin_p = np.array([by_type[f] for f in pool.features])
        draws = 2_000 if n <= 1_500 else 300
        started = time.perf_counter()
        greedy_p = _greedy_probabilities(pool, quotas, k, draws, seed=n)
        greedy_elapsed = time.perf_counter() - started
        print(f"  {n} → {k} (quotas ±{slack}, {len(problem.types.keys)} types, K/n = {fair:.2%}):")
        print(
            f"    MAXIMIN  min {maximin_p.min():.3%}  below K/2n {np.mean(maximin_p < fair / 2):6.1%}  "
            f"time {elapsed:6.1f} s ({len(distribution.compositions)} panels)"
        )
        print(
            f"    greedy   min {greedy_p.min():.3%}  below K/2n {np.mean(greedy_p < fair / 2):6.1%}  "
            f"time {greedy_elapsed:6.1f} s ({draws} draws, estimated)"
        )
        ratio = maximin_p.min() / greedy_p.min() if greedy_p.min() > 0 else math.inf
        print(f"    minimum probability, MAXIMIN / greedy: {ratio:.1f}x")
    _leximin_against_maximin(LEXIMIN_SIZE)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak:.0f} MiB (goal < 2048); goal MAXIMIN 10,000 → 150 under 60 s")


def _leximin_against_maximin(size: tuple[int, int]) -> None:
    """LEXIMIN's time against MAXIMIN's on the same pool (the baseline), and what it changes: the
    share of the pool whose probability it raises above MAXIMIN's."""
    n, k = size
    pool = _pool(n, random.Random(n))
    problem = Problem(types_of(pool), pool.categories, _quotas(k, 0), k)
    started = time.perf_counter()
    base = maximin(problem)
    maximin_elapsed = time.perf_counter() - started
    started = time.perf_counter()
    lexi = leximin(problem)
    leximin_elapsed = time.perf_counter() - started
    sizes = np.array(problem.types.sizes)
    raised = np.array(lexi.type_probability) > np.array(base.type_probability) + 1e-9
    print(
        f"  LEXIMIN {n} → {k}: time {leximin_elapsed:.1f} s against MAXIMIN {maximin_elapsed:.1f} s "
        f"({leximin_elapsed / maximin_elapsed:.1f}x); same minimum {lexi.minimum:.3%}; "
        f"{sizes[raised].sum() / n:.0%} of the pool get more than under MAXIMIN"
    )
