"""The seal of an atelier's lottery as a flow run of its own (``scellement-du-tirage``): the engine
starts one for each seal asked for (in its own thread, or as a deployment's run), and the Prefect UI
shows its progress as an artifact: the smallest probability found against the proven bound.

No ``from __future__ import annotations`` in ``flows/`` (see ``flows/deployed.py``).
"""

import logging
from uuid import UUID

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, update_progress_artifact
from prefect.runtime import flow_run

from atelier.bootstrap import current_or_from_environment
from atelier.i18n import percent
from atelier.panel.watch import Progress
from atelier.services.sealing import carry_out_seal, new_run

log = logging.getLogger("atelier.sealing")
ARTIFACT_EVERY = 5.0  # seconds between two updates of the run's progress in Prefect


def progress_description(progress: Progress) -> str:
    return (
        f"{progress.rounds} tours, plus faible probabilité {percent(progress.minimum, 3)}, "
        f"borne prouvée {percent(progress.bound, 3)}, {progress.seconds:.0f} s"
    )


class _ArtifactProgress:
    """The run's progress artifact: 100 % when the smallest probability reaches the proven bound."""

    def __init__(self, slug: str) -> None:
        self.slug = slug
        self.artifact: UUID | None = None
        self.last = -ARTIFACT_EVERY

    def __call__(self, progress: Progress) -> None:
        if progress.seconds - self.last < ARTIFACT_EVERY:
            return
        self.last = progress.seconds
        share = 100.0 * min(1.0, progress.minimum / progress.bound) if progress.bound > 0 else 0.0
        self.show(share, progress_description(progress))

    def show(self, share: float, description: str) -> None:
        """Best effort: Prefect away for a moment must not end the search (the page has its own)."""
        try:
            self._show(share, description)
        except Exception:
            log.warning("seal progress not shown in Prefect", exc_info=True)

    def _show(self, share: float, description: str) -> None:
        if self.artifact is None:
            created = create_progress_artifact(
                share, key=f"scellement-{self.slug}".lower(), description=description
            )
            if isinstance(created, UUID):  # called from synchronous code, as here
                self.artifact = created
        else:
            update_progress_artifact(self.artifact, share, description=description)


@flow(name="scellement-du-tirage", flow_run_name="{slug} · scellement du tirage", log_prints=True)
def seal_lottery_run(slug: str) -> bool:
    """The seal asked for in ``slug``, searched and published; False when there was nothing to seal
    (another run holds it, or it is done), or when it failed (the recruitment page says why)."""
    runtime = current_or_from_environment()
    run = str(flow_run.get_id() or new_run())
    progress = _ArtifactProgress(slug)
    outcome = carry_out_seal(runtime.engine, runtime.clock, slug, run=run, report=progress)
    if outcome is None:
        return False
    if outcome.lottery is None:
        create_markdown_artifact(f"Scellement impossible : {outcome.failure}")
        return False
    progress.show(100.0, f"Tirage scellé. Empreinte : {outcome.lottery.commitment}")
    return True
