"""Stage 1 — travail de la demande (seeds 001, 002).

Steps: meeting of the CIPC, the CNDP and the commanditaire on the request; the commanditaire
writes the cahier des charges; the COPIL is constituted; the cahier des charges refers the
matter to the COPIL — gate ``cahier_des_charges_valide``.
"""

from datetime import datetime

from prefect import flow

from flows.report import StageReport, gates_in_order
from tasks.stage_tasks import open_stage, stage_is_done

STAGE = "demande"


@flow(name="travail-de-la-demande", flow_run_name="{slug} · travail de la demande", log_prints=True)
def travail_de_la_demande(slug: str, now: datetime) -> StageReport:
    open_stage(slug, STAGE, now)
    waiting = gates_in_order(slug, STAGE, now)
    if waiting is not None:
        return waiting
    return StageReport(STAGE, done=stage_is_done(slug, STAGE))
