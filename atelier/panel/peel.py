"""Panels whose mix reaches a given point of the LP relaxation, found one at a time (a Carathéodory
decomposition): take a panel inside the smallest face of the relaxation that holds the point,
move the point away from it until one more constraint becomes tight, and start again in that
smaller face. Each step costs one small MIP, and the face shrinks at every step, so there are at
most as many steps as constraints.

The relaxation may hold points that no mix of real panels reaches; then the faces run out of
panels and the search stops early. The panels found are columns for the master LP either way;
the LP decides whether the point is reached."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from atelier.panel.highs import Pricing

TIGHT = 1e-7  # a constraint this close to its bound counts as tight (the LP's feasibility tolerance)
MOVE = 1e-6  # a change below this along a constraint is rounding noise, not a move


def peel(
    pricing: Pricing, matrix: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    sizes: NDArray[np.float64], point: NDArray[np.float64], expired: Callable[[], bool] = lambda: False,
) -> list[NDArray[np.int64]]:  # fmt: skip
    """Panels (people of each type) whose mix can reach ``point`` (expected people of each type);
    those found so far once ``expired`` says the search's time is up (on a large pool, peeling
    thousands of panels takes minutes)."""
    rows, lows, highs = matrix
    y = point.copy()
    # The face: types at 0 or at their size, quotas at their minimum or maximum. It only grows.
    empty, full = y <= TIGHT, y >= sizes - TIGHT
    at_low, at_high = rows @ y <= lows + TIGHT, rows @ y >= highs - TIGHT
    panels: list[NDArray[np.int64]] = []
    for _ in range(len(sizes) + len(lows) + 1):
        if expired():
            break
        panel = pricing.inside(
            y - np.floor(y) - 0.5,  # prefer rounding up the larger fractions: a panel near y
            near=y,
            low=np.where(full, sizes, 0.0),
            high=np.where(empty, 0.0, sizes),
            quota_low=np.where(at_high, highs, lows),
            quota_high=np.where(at_low, lows, highs),
        )
        if panel is None:
            break
        panels.append(panel)
        # y + s (y - panel) stays in the face; the largest s makes one more constraint tight.
        d = y - panel
        counts, moves = rows @ y, rows @ d
        ratios = [
            _ratio(~empty & (d < -MOVE), np.maximum(y, 0.0), -d),
            _ratio(~full & (d > MOVE), np.maximum(sizes - y, 0.0), d),
            _ratio(~at_high & (moves > MOVE), np.maximum(highs - counts, 0.0), moves),
            _ratio(~at_low & (moves < -MOVE), np.maximum(counts - lows, 0.0), -moves),
        ]
        s = min(float(r.min()) for r in ratios)
        if np.isinf(s):
            break  # the panel is y itself
        reached = [r <= s * (1 + 1e-9) + 1e-12 for r in ratios]
        empty |= reached[0]
        full |= reached[1]
        at_high |= reached[2]
        at_low |= reached[3]
        y = np.where(empty, 0.0, np.where(full, sizes, y + s * d))
    return panels


def _ratio(
    moving: NDArray[np.bool_], room: NDArray[np.float64], speed: NDArray[np.float64]
) -> NDArray[np.float64]:
    """How far each moving constraint lets the point go (infinite for the others)."""
    return np.where(moving, room / np.where(moving, speed, 1.0), np.inf)
