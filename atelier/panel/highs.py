"""The two models of the column generation, kept alive in HiGHS (highspy, MIT) between rounds:
the restricted master LP grows by one column at a time and is re-solved from its last basis; the
pricing MIP only changes its objective. Rebuilding them each round (as SciPy's one-shot calls do)
cost more than solving them."""

from __future__ import annotations

from collections.abc import Sequence

import highspy
import numpy as np
from numpy.typing import NDArray

INF = highspy.kHighsInf
PRUNE_AT, KEEP = 3, 2  # columns per row of the master LP: pruned at the first, down to the second
INSIDE_GAP, INSIDE_NODES = 0.5, 10  # any composition within the bounds will do; a near one is better


def _highs() -> highspy.Highs:
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)  # the same instance gives the same distribution
    return h


def _bound_rows(h: highspy.Highs, first: int, low: NDArray[np.float64], high: NDArray[np.float64]) -> None:
    """New bounds for rows ``first``, ``first + 1``, … (highspy's typed API changes one row at a time)."""
    for row, (a, b) in enumerate(zip(low, high, strict=True), start=first):
        h.changeRowBounds(row, float(a), float(b))


class Pricing:
    """max w·c over compositions c: integers 0 ≤ c_t ≤ m_t, Σ c = k, each quota's count in bounds."""

    def __init__(self, sizes: NDArray[np.float64], size: int, rows: NDArray[np.float64],
                 lows: NDArray[np.float64], highs: NDArray[np.float64]) -> None:  # fmt: skip
        self.count = len(sizes)
        self.index = np.arange(self.count, dtype=np.int32)
        h = self.h = _highs()
        h.addVars(self.count, np.zeros(self.count), sizes.astype(float))
        h.changeColsIntegrality(
            self.count, self.index, np.array([highspy.HighsVarType.kInteger] * self.count)
        )
        h.addRow(float(size), float(size), self.count, self.index, np.ones(self.count))
        for row, low, high in zip(rows, lows, highs, strict=True):
            members = np.flatnonzero(row).astype(np.int32)
            h.addRow(float(low), float(high), len(members), members, np.ones(len(members)))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        h.setOptionValue("mip_improving_solution_save", True)
        self.sizes = sizes.astype(float)
        self.quota_low, self.quota_high = lows.astype(float), highs.astype(float)
        # The same model without integrality, re-solved from its last basis when the costs change.
        relaxed = self.relaxed = _highs()
        relaxed.passModel(h.getLp())
        relaxed.changeColsIntegrality(
            self.count, self.index, np.array([highspy.HighsVarType.kContinuous] * self.count)
        )
        relaxed.setOptionValue("presolve", "off")
        # An upper bound on w·c over every composition, for the weights last priced by ``rounded``
        # or ``best``: the relaxation's value, or the MIP's dual bound. It bounds the lottery's optimum.
        self.upper = np.inf

    def rounded(self, weights: NDArray[np.float64]) -> list[NDArray[np.int64]]:
        """A good composition fast: the MIP restricted to the neighbourhood of the LP relaxation's
        optimum (a few hundred small ranges instead of every count from 0 to m_t)."""
        return self._near_relaxation(weights, self.sizes)

    def covering(self, wanted: NDArray[np.bool_]) -> list[NDArray[np.int64]]:
        """A composition with one person of as many ``wanted`` types as fit, found as ``rounded``
        finds one (at most one person of any type: empty when no panel can be made so)."""
        return self._near_relaxation(wanted.astype(float), np.minimum(self.sizes, 1.0))

    def _near_relaxation(
        self, weights: NDArray[np.float64], caps: NDArray[np.float64]
    ) -> list[NDArray[np.int64]]:
        capped = caps is not self.sizes
        if not capped:
            self.upper = np.inf  # until this relaxation says otherwise: never a bound for other weights
        self.relaxed.changeColsCost(self.count, self.index, weights.astype(float))
        if capped:
            self.relaxed.changeColsBounds(self.count, self.index, np.zeros(self.count), caps)
        try:
            self.relaxed.run()
            if self.relaxed.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return []
            x = np.asarray(self.relaxed.getSolution().col_value)
            if not capped:
                self.upper = float(self.relaxed.getInfo().objective_function_value)
        finally:
            if capped:
                self.relaxed.changeColsBounds(self.count, self.index, np.zeros(self.count), self.sizes)
        # Every type the relaxation uses may move by one person; the others stay out. Rounding the
        # fractional counts alone is often infeasible with tight quotas.
        used = x > 1e-9
        low = np.where(used, np.maximum(np.floor(x + 1e-9) - 1, 0), 0.0)
        high = np.where(used, np.minimum(np.ceil(x - 1e-9) + 1, caps), 0.0)
        self.h.changeColsBounds(self.count, self.index, low, high)
        try:
            return self._search(weights, gap=1e-6)
        finally:
            self.h.changeColsBounds(self.count, self.index, np.zeros(self.count), self.sizes)

    def inside(
        self, weights: NDArray[np.float64], *, near: NDArray[np.float64], low: NDArray[np.float64],
        high: NDArray[np.float64], quota_low: NDArray[np.float64], quota_high: NDArray[np.float64],
    ) -> NDArray[np.int64] | None:  # fmt: skip
        """A composition within these bounds (people of each type, each quota's count), looked for
        quickly: first next to ``near`` (each count rounded down or up, then one further), then
        anywhere. None when none is found."""
        _bound_rows(self.h, 1, quota_low, quota_high)  # row 0 is the panel's size
        try:
            for box in (0, 1, None):
                if box is None:
                    self.h.changeColsBounds(self.count, self.index, low, high)
                else:
                    box_low = np.maximum(low, np.floor(near + 1e-7) - box)
                    box_high = np.minimum(high, np.ceil(near - 1e-7) + box)
                    self.h.changeColsBounds(self.count, self.index, box_low, box_high)
                found = self._search(weights, gap=INSIDE_GAP, nodes=INSIDE_NODES)
                if found:
                    return found[0]
            return None
        finally:
            _bound_rows(self.h, 1, self.quota_low, self.quota_high)
            self.h.changeColsBounds(self.count, self.index, np.zeros(self.count), self.sizes)

    def best(
        self, weights: NDArray[np.float64], *, gap: float, nodes: int | None = None
    ) -> list[NDArray[np.int64]]:
        """The best composition found within ``gap`` (relative) or ``nodes`` branch-and-bound
        nodes, then the other improving ones the search met, best first; empty when none was
        found (none meets the quotas, or the node limit came before any)."""
        self.upper = np.inf
        found = self._search(weights, gap=gap, nodes=nodes)
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kInfeasible:
            self.upper = float(self.h.getInfo().mip_dual_bound)
        return found

    def _search(
        self, weights: NDArray[np.float64], *, gap: float, nodes: int | None = None
    ) -> list[NDArray[np.int64]]:
        self.h.changeColsCost(self.count, self.index, weights.astype(float))
        self.h.setOptionValue("mip_rel_gap", gap)
        self.h.setOptionValue("mip_max_nodes", nodes if nodes is not None else highspy.kHighsIInf)
        self.h.run()
        solution = self.h.getSolution()
        if self.h.getModelStatus() == highspy.HighsModelStatus.kInfeasible or not solution.value_valid:
            return []
        saved = sorted(self.h.getSavedMipSolutions(), key=lambda s: -s.objective)
        found = [np.rint(np.asarray(solution.col_value)).astype(np.int64)]
        found += [np.rint(np.asarray(s.col_value)).astype(np.int64) for s in saved]
        unique: dict[bytes, NDArray[np.int64]] = {}
        for composition in found:
            unique.setdefault(composition.tobytes(), composition)
        return list(unique.values())


class Master:
    """max z over weights λ of the compositions found: Σ λ = 1 and, for each reachable type,
    Σ λ_j c_jt / m_t ≥ z (≥ its floor once fixed, in LEXIMIN)."""

    def __init__(self, sizes: NDArray[np.float64], reachable: NDArray[np.int64]) -> None:
        self.sizes, self.reachable = sizes, reachable
        self.row_of = {int(t): i for i, t in enumerate(reachable)}
        h = self.h = _highs()
        h.setOptionValue("presolve", "off")  # re-solved from the last basis, column by column
        h.setOptionValue("simplex_strategy", 4)  # primal: new columns leave the basis primal feasible
        h.addVar(-INF, INF)  # z, column 0
        h.changeColCost(0, 1.0)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        for _ in range(len(reachable)):
            h.addRow(0.0, INF, 1, np.array([0], dtype=np.int32), np.array([-1.0]))
        self.convexity = len(reachable)
        h.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        self.columns = 0  # ever added: the weights ``solve`` returns are over these
        self.live: list[int] = []  # which of them are still in the LP, in its column order (after z)
        self.bound_by_z = np.ones(len(reachable))  # 0 once a type is fixed

    def _prune(self) -> None:
        """Columns far from entering the basis leave the LP once it holds PRUNE_AT per row: its
        re-solves slow down with every column kept, and the pricing finds again any it needs."""
        if len(self.live) <= PRUNE_AT * self.convexity:
            return
        solution, basis = self.h.getSolution(), self.h.getBasis()
        reduced = np.asarray(solution.col_dual)[1:]
        status = np.array([s == highspy.HighsBasisStatus.kLower for s in basis.col_status[1:]])
        out = np.flatnonzero(status & (np.asarray(solution.col_value)[1:] <= 0))
        out = np.sort(out[np.argsort(reduced[out])][: len(self.live) - KEEP * self.convexity])
        if len(out):
            self.h.deleteCols(len(out), (out + 1).astype(np.int32))
            gone = set(out.tolist())
            self.live = [c for i, c in enumerate(self.live) if i not in gone]

    def add(self, compositions: Sequence[NDArray[np.int64]]) -> None:
        if self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            self._prune()
        for composition in compositions:
            rows = [self.row_of[int(t)] for t in np.flatnonzero(composition) if int(t) in self.row_of]
            values = [composition[self.reachable[r]] / self.sizes[self.reachable[r]] for r in rows]
            indices = np.array([*rows, self.convexity], dtype=np.int32)
            self.h.addCol(0.0, 0.0, INF, len(indices), indices, np.array([*values, 1.0]))
            self.live.append(self.columns)
            self.columns += 1

    def aim(self, targets: NDArray[np.float64]) -> None:
        """Each type must reach its target plus z (z ≥ 0: every target is met)."""
        _bound_rows(self.h, 0, targets, np.full(len(targets), INF))

    def fix(self, rows: NDArray[np.int64], floor: float) -> None:
        """These types keep at least ``floor``; z no longer bounds them."""
        for row in rows:
            self.h.changeCoeff(int(row), 0, 0.0)
            self.h.changeRowBounds(int(row), floor, INF)
        self.bound_by_z[rows] = 0.0

    def probabilities(self) -> NDArray[np.float64]:
        """Each reachable type's probability in the last solution (its row's activity, z put back)."""
        solution = self.h.getSolution()
        z = float(solution.col_value[0])
        return np.asarray(solution.row_value)[: self.convexity] + self.bound_by_z * z

    def solve(self) -> tuple[NDArray[np.float64], float, NDArray[np.float64], float]:
        """The compositions' weights, z, the types' duals (≥ 0) and the convexity dual."""
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"restricted LP failed: {self.h.getModelStatus()}")
        solution = self.h.getSolution()
        values = np.asarray(solution.col_value)
        duals = np.asarray(solution.row_dual)
        # In a maximisation, HiGHS's duals of « ≥ » rows are ≤ 0: the types' weights are their opposites;
        # the convexity row's dual is the value of one more unit of total weight, z itself in MAXIMIN.
        weights = np.zeros(self.columns)
        weights[self.live] = values[1:]
        return weights, float(values[0]), -duals[: self.convexity], float(duals[self.convexity])
