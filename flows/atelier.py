"""Stage 4 — the atelier itself (seeds 001, 002).

Weekend 1 (Saturday 10:00 – Sunday 17:00), two online sessions, weekend 2 ending with the
validation of the avis by the citizens (gate ``avis_valide``) and its handover to the
commanditaire (milestone ``remise_avis``, reached as soon as the avis is validated).
"""

from datetime import datetime

from prefect import flow

from flows.report import StageReport, gates_in_order
from tasks.stage_tasks import complete_milestones, open_stage, stage_is_done

STAGE = "atelier"


@flow(name="atelier", flow_run_name="{slug} · atelier", log_prints=True)
def atelier(slug: str, now: datetime) -> StageReport:
    open_stage(slug, STAGE, now)
    waiting = gates_in_order(slug, STAGE, now)
    if waiting is not None:
        return waiting
    handed_over = complete_milestones(slug, STAGE, now)
    return StageReport(STAGE, done=stage_is_done(slug, STAGE), milestones=handed_over)
