"""How the lifecycle's units of work run: as Prefect tasks and flows in the product, as plain calls
where a test or a benchmark wants speed without a Prefect server. The orchestration is written once
(``flows/lifecycle.py``, ``flows/stage.py``) against this small interface.

No ``from __future__ import annotations`` in ``flows/`` (see ``flows/deployed.py``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

from prefect import Task

P = ParamSpec("P")
R = TypeVar("R")


class RunUnit(Protocol):
    def __call__(self, unit: Task[P, R], /) -> Callable[P, R]: ...


def as_task(unit: Task[P, R]) -> Callable[P, R]:
    """The unit as a Prefect task run (retries, a run in the UI); inside a flow run."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return unit(*args, **kwargs)

    return run


def as_call(unit: Task[P, R]) -> Callable[P, R]:
    """The unit's own function, called as it is."""
    return unit.fn


@dataclass(frozen=True)
class Binding:
    """Units as tasks and stages as flow runs (``prefect``), or both as plain calls (``plain``)."""

    name: str
    run: RunUnit
    stages_as_flow_runs: bool


PREFECT = Binding("prefect", as_task, stages_as_flow_runs=True)
PLAIN = Binding("plain", as_call, stages_as_flow_runs=False)
