"""Stage 5 — droit de suite (seeds 002, 004).

Publication of the avis; the commanditaire's reasoned, public answer (gate ``reponse_validee``:
the commanditaire approves its answer to every proposal by the deadline it committed to, and the
approval publishes it); the restitution to the citizens of what was done with their avis; the
evaluation of the démarche.
"""

from datetime import datetime

from prefect import flow

from flows.report import StageReport, gates_in_order
from tasks.stage_tasks import open_stage, stage_is_done

STAGE = "droit_de_suite"


@flow(name="droit-de-suite", flow_run_name="{slug} · droit de suite", log_prints=True)
def droit_de_suite(slug: str, now: datetime) -> StageReport:
    open_stage(slug, STAGE, now)
    waiting = gates_in_order(slug, STAGE, now)
    if waiting is not None:
        return waiting
    return StageReport(STAGE, done=stage_is_done(slug, STAGE))
