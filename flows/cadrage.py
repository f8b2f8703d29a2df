"""Stage 2 — cadrage du dispositif: three COPIL meetings, each a decision (seed 002).

- COPIL n°1 (gate ``copil_1``): the question, the sample of citizens, the project's organisation;
- COPIL n°2 (gate ``copil_2``): the training programme and the speakers;
- COPIL n°3 (gate ``copil_3``): the recruitments, the speakers and the training materials.

A gate sent back is asked again (next round) on the next run; a later gate is never asked
before the earlier one is approved.
"""

from datetime import datetime

from prefect import flow

from flows.report import StageReport, gates_in_order
from tasks.stage_tasks import open_stage, stage_is_done

STAGE = "cadrage"


@flow(name="cadrage", flow_run_name="{slug} · cadrage", log_prints=True)
def cadrage(slug: str, now: datetime) -> StageReport:
    open_stage(slug, STAGE, now)
    waiting = gates_in_order(slug, STAGE, now)
    if waiting is not None:
        return waiting
    return StageReport(STAGE, done=stage_is_done(slug, STAGE))
