"""Moving an event (a weekend, a COPIL meeting, an online session) to a date the team chose.

The forecast then keeps it there; the steps after it follow, and everyone invited gets the
new date once the forecast has settled (the invitation rules' ``settle_minutes``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from atelier.clock import PARIS
from atelier.errors import Refused
from atelier.i18n import long_datetime, short_date
from atelier.planning.placement import pinned_slot
from atelier.planning.template import template_of
from atelier.planning.timeline import EVENT_KINDS, Timeline
from atelier.services.events import record_event
from atelier.services.timeline import current_timeline, get_step, refresh_forecast
from models import Atelier
from models.enums import StepKind, StepStatus

MAX_REASON_LENGTH = 500


def reschedule_event(
    *,
    session: Session,
    atelier: Atelier,
    step_key: str,
    start: datetime,
    reason: str,
    actor: str,
    now: datetime,
) -> Timeline:
    """Put an event at ``start`` (a weekend: its Saturday); refused, with nothing written, when
    the event is over, the date is past, or a step it depends on would not be finished by then."""
    step = get_step(session=session, atelier=atelier, key=step_key)
    reason = " ".join(reason.split())
    if step.kind not in EVENT_KINDS:
        raise Refused(
            f"« {step.name} » n'est pas un rendez-vous : seuls un week-end, une réunion ou une "
            "session en ligne se déplacent",
            f"step {step_key} of kind {step.kind.value} cannot be moved",
        )
    if step.status is not StepStatus.PENDING:
        raise Refused(f"« {step.name} » n'est plus à venir", f"step {step_key} is {step.status.value}")
    if not reason:
        raise Refused("indiquez le motif du déplacement (il est écrit au journal)", "move without reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise Refused(f"motif trop long (plus de {MAX_REASON_LENGTH} caractères)", "reason too long")
    if step.kind is StepKind.WEEKEND and start.astimezone(PARIS).weekday() != 5:
        raise Refused(
            f"un week-end commence un samedi : le {short_date(start)} n'en est pas un",
            "weekend moved to a day other than Saturday",
        )
    if start <= now:
        raise Refused(f"la nouvelle date ({long_datetime(start)}) est passée", "move to the past")
    template = template_of(atelier)
    spec = template.step(step_key)
    start = pinned_slot(spec, template, start)[0]  # a weekend starts at its usual hour
    timeline = current_timeline(session=session, atelier=atelier, now=now)
    for dep, lag in spec.after.items():
        ready = timeline.steps[dep].end + timedelta(days=lag)
        if start < ready:
            raise Refused(
                f"« {step.name} » ne peut pas avoir lieu avant le {long_datetime(ready)} : "
                f"« {template.step(dep).name} » est prévue jusque-là",
                f"step {step_key} moved before its dependency {dep}",
            )
    if start == timeline.steps[step_key].start:
        raise Refused(f"« {step.name} » est déjà prévue à cette date", "move to the same date")
    record_event(
        session=session,
        atelier_id=atelier.id,
        actor=actor,
        kind="event_rescheduled",
        at=now,
        step=step_key,
        old_start=timeline.steps[step_key].start.isoformat(),
        new_start=start.isoformat(),
        reason=reason,
    )
    step.rescheduled_start = start
    session.add(step)
    return refresh_forecast(session=session, atelier=atelier, now=now)
