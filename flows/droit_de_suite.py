"""Stage 5 — droit de suite (seeds 002, 004).

Publication of the avis; the commanditaire's reasoned, public answer; the restitution to the
citizens of what was done with their avis; the evaluation of the démarche.
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from flows.report import StageReport
from tasks.stage_tasks import open_stage, stage_is_done

STAGE = "droit_de_suite"


@flow(name="droit-de-suite", flow_run_name="{slug} · droit de suite", log_prints=True)
def droit_de_suite(slug: str, now: datetime) -> StageReport:
    open_stage(slug, STAGE, now)
    return StageReport(STAGE, done=stage_is_done(slug, STAGE))
