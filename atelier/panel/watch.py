"""How long the lottery's search may run and who follows it: the deadline of ``--max-seconds`` and
the progress shown while it works. Time is an input (``clock``), so a test stops a search after
so many rounds without waiting."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Progress:
    rounds: int  # of column generation so far
    minimum: float  # smallest probability of the distribution found so far (among those who can be drawn)
    bound: float  # proven upper bound on the smallest probability any distribution can give
    seconds: float  # since the search began


@dataclass
class Watch:
    """Stops the search after ``max_seconds`` (None: when it is proven optimal) and tells
    ``report`` where it stands at most every ``every`` seconds."""

    max_seconds: float | None = None
    report: Callable[[Progress], None] | None = None
    clock: Callable[[], float] = time.monotonic
    every: float = 1.0
    # True when the search is no longer wanted (its run lost its claim): it stops as at the deadline.
    cancelled: Callable[[], bool] | None = None
    started: float = field(init=False)
    _last_report: float = field(init=False)
    rounds: int = field(init=False, default=0)
    bound: float = field(init=False, default=float("inf"))  # the best proven so far

    def __post_init__(self) -> None:
        self.started = self._last_report = self.clock()

    @property
    def seconds(self) -> float:
        return self.clock() - self.started

    def expired(self) -> bool:
        if self.cancelled is not None and self.cancelled():
            return True
        return self.max_seconds is not None and self.seconds >= self.max_seconds

    def round(self, minimum: Callable[[], float], bound: float | None) -> None:
        """One more round, with a new upper bound on the smallest probability if it gave one;
        reported when ``every`` seconds passed since the last report (the minimum is computed
        only then)."""
        self.rounds += 1
        if bound is not None:
            self.bound = min(self.bound, bound)
        now = self.clock()
        if self.report is not None and now - self._last_report >= self.every:
            self._last_report = now
            self.report(Progress(self.rounds, minimum(), self.bound, now - self.started))
