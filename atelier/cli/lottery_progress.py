"""The lottery's progress while it searches: a line rewritten in place in a terminal (rich), one
line every few seconds otherwise (a log, a CI job), and what the search proved once it ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.text import Text

from atelier.i18n import percent
from atelier.panel.lottery import Distribution
from atelier.panel.watch import Progress, Watch

PLAIN_EVERY = 5.0  # seconds between lines when the output is not a terminal
# The option of every command that runs the lottery's search.
MaxSeconds = Annotated[
    float | None,
    typer.Option(
        "--max-seconds",
        min=0,
        help="Arrête la recherche après ce nombre de secondes, avec la meilleure loterie trouvée "
        "et son écart prouvé à l'optimum.",
    ),
]


def progress_line(progress: Progress) -> str:
    return (
        f"Recherche en cours : {progress.rounds} tours, plus faible probabilité "
        f"{percent(progress.minimum, 3)}, borne prouvée {percent(progress.bound, 3)}, "
        f"{progress.seconds:.0f} s"
    )


@contextmanager
def progress_reporter() -> Iterator[Callable[[Progress], None]]:
    """Where the search's progress goes: one line rewritten in place in a terminal, one line every
    ``PLAIN_EVERY`` seconds on stderr otherwise."""
    console = Console(stderr=True)
    if not console.is_terminal:
        last = -PLAIN_EVERY

        def plain(progress: Progress) -> None:
            nonlocal last
            if progress.seconds - last >= PLAIN_EVERY:
                last = progress.seconds
                typer.echo(progress_line(progress), err=True)

        yield plain
        return
    with Live(Text(""), console=console, transient=True, refresh_per_second=4) as live:
        yield lambda progress: live.update(Text(progress_line(progress)))


@contextmanager
def watched(max_seconds: float | None) -> Iterator[Watch]:
    """A watch for the search that shows its progress on stderr after its first second."""
    with progress_reporter() as report:
        yield Watch(max_seconds, report)


def outcome(distribution: Distribution, seconds: float) -> str:
    """What the search proved, in one sentence."""
    if distribution.proven:
        return (
            "Optimum prouvé : aucune loterie respectant ces quotas ne donne une plus faible "
            "probabilité plus élevée."
        )
    return (
        f"Recherche arrêtée après {seconds:.0f} s, avant de prouver l'optimum : la plus faible "
        f"probabilité, {percent(distribution.level, 3)}, est à au plus "
        f"{percent(distribution.bound - distribution.level, 3)} de la meilleure possible "
        f"(borne prouvée : {percent(distribution.bound, 3)})."
    )
