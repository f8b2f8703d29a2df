"""The mandat de participation (seed 004, fiche 3 of part 02): the document for the citizens —
the context, the object and purpose, the organiser's commitments, how to take part, the calendar
and the decision steps that follow — drafted from the atelier's data for the team to review and
send with the invitations. Nothing personal: no name, no contact but the team's address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from atelier.i18n import long_date, long_datetime
from atelier.planning.template import template_of
from atelier.services.timeline import steps_of
from models import Atelier, Step
from models.enums import AVIS_FORM_LABELS, StepKind, StepStatus

CITIZEN_KINDS = (StepKind.WEEKEND, StepKind.ONLINE_SESSION)


@dataclass(frozen=True)
class Mandat:
    title: str
    commanditaire: str
    question: str
    avis_form: str
    citizens: int
    weekends: int
    online_sessions: int
    venue: str | None
    indemnisation: str | None
    hotel: str | None
    sessions: tuple[tuple[str, str], ...]  # (what, when) of the citizens' own meetings
    after: tuple[tuple[str, str], ...]  # the decision steps that follow the avis
    answer_months: int  # the commanditaire answers within this many months of the handover
    team_email: str


def expected_at(step: Step) -> datetime:
    """When the step happened, or is expected: a task by its end, an event or a meeting at its start."""
    if step.status is StepStatus.DONE and step.actual_end:
        return step.actual_end
    return step.forecast_end if step.kind is StepKind.TASK else step.forecast_start


def mandat_of(*, session: Session, atelier: Atelier, team_email: str) -> Mandat:
    template = template_of(atelier)
    steps = steps_of(session=session, atelier=atelier)
    sessions = tuple(
        (s.name, f"du {long_datetime(s.forecast_start)} au {long_datetime(s.forecast_end)}"
         if s.kind is StepKind.WEEKEND else f"le {long_datetime(s.forecast_start)}")
        for s in steps if s.kind in CITIZEN_KINDS and s.status is not StepStatus.CANCELLED
    )  # fmt: skip
    handover = next(s for s in steps if s.key == template.avis_step)
    # What follows the handover: the last stage's steps (the droit de suite).
    last_stage = steps[-1].stage_id
    later = [(s.name, f"vers le {long_date(expected_at(s))}") for s in steps if s.stage_id == last_stage]
    after = ((handover.name, f"le {long_date(expected_at(handover))}"), *later)
    answer_key = template.follow_up.answer_step
    answer_days = template.step(answer_key).duration_days if answer_key else 60
    return Mandat(
        atelier.title, atelier.commanditaire, atelier.question, AVIS_FORM_LABELS[atelier.avis_form],
        template.citizens, template.weekends, template.online_sessions, atelier.venue,
        f"{atelier.indemnisation_per_day_eur} € par journée de présence"
        if atelier.indemnisation_per_day_eur is not None else None,
        atelier.hotel, sessions, after, max(1, round(answer_days / 30)), team_email,
    )  # fmt: skip
