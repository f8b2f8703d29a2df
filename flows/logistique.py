"""Stage 3 — préparation logistique (seed 002).

Steps, recorded by the project team (``atelier step done``): recruitment of the citizens
(choose, contact, qualify, validate); contact and brief the trainers and experts and collect
their materials; book the room and the hotel. Opens once COPIL n°1 has decided the sample.
"""

from datetime import datetime

from prefect import flow

from flows.report import StageReport
from tasks.stage_tasks import open_stage, stage_is_done

STAGE = "logistique"


@flow(name="preparation-logistique", flow_run_name="{slug} · logistique", log_prints=True)
def preparation_logistique(slug: str, now: datetime) -> StageReport:
    open_stage(slug, STAGE, now)
    return StageReport(STAGE, done=stage_is_done(slug, STAGE))
