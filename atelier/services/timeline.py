"""Recording what happened and keeping the forecast up to date."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from atelier.errors import NotFound, Refused
from atelier.i18n import short_date, short_datetime
from atelier.planning.template import template_of
from atelier.planning.timeline import EVENT_KINDS, Risk, Timeline, forecast_timeline, gate_due_at
from atelier.services.ateliers import venue_calendar_of
from atelier.services.events import record_event
from models import Atelier, Gate, Stage, Step
from models.enums import StageStatus, StepKind, StepStatus
from models.types import pk


def steps_of(*, session: Session, atelier: Atelier) -> list[Step]:
    query = select(Step).where(Step.atelier_id == pk(atelier)).order_by(col(Step.position))
    return list(session.exec(query).all())


def stages_of(*, session: Session, atelier: Atelier) -> list[Stage]:
    query = select(Stage).where(Stage.atelier_id == pk(atelier)).order_by(col(Stage.position))
    return list(session.exec(query).all())


def get_step(*, session: Session, atelier: Atelier, key: str) -> Step:
    step = session.exec(select(Step).where(Step.atelier_id == pk(atelier), Step.key == key)).first()
    if step is None:
        known = ", ".join(s.key for s in steps_of(session=session, atelier=atelier))
        raise NotFound(f"étape inconnue : « {key} » (étapes : {known})", f"unknown step {key!r}")
    return step


def current_timeline(*, session: Session, atelier: Atelier, now: datetime) -> Timeline:
    """The forecast as of ``now``, computed without writing anything."""
    return _forecast(atelier, steps_of(session=session, atelier=atelier), now)


def _forecast(atelier: Atelier, steps: list[Step], now: datetime) -> Timeline:
    return forecast_timeline(
        template_of(atelier),
        atelier.decision_date,
        planned={s.key: (s.planned_start, s.planned_end) for s in steps},
        actuals={s.key: s.actual_end for s in steps if s.actual_end is not None},
        now=now,
        target=atelier.target_avis_date,
        venue=venue_calendar_of(atelier),
        pinned={s.key: s.rescheduled_start for s in steps if s.rescheduled_start is not None},
    )


def refresh_forecast(*, session: Session, atelier: Atelier, now: datetime) -> Timeline:
    """Recompute forecasts from actuals; bump revisions of moved events; warn on new risk."""
    steps = steps_of(session=session, atelier=atelier)
    timeline = _forecast(atelier, steps, now)
    path = set(timeline.critical_path)
    for step in steps:
        dates = timeline.steps[step.key]
        moved = dates.start != step.forecast_start or dates.end != step.forecast_end
        if moved and step.status is StepStatus.PENDING:
            # An event whose announced date has passed is late being recorded, not rescheduled:
            # telling people it moved would be wrong, so only a date still ahead is re-announced.
            if step.kind in EVENT_KINDS and step.forecast_start > now:
                step.revision += 1
                step.moved_at = now
            record_event(
                session=session,
                atelier_id=atelier.id,
                actor="engine",
                kind="forecast_moved",
                at=now,
                step=step.key,
                old_start=step.forecast_start.isoformat(),
                new_start=dates.start.isoformat(),
                revision=step.revision,
            )
        step.forecast_start, step.forecast_end = dates.start, dates.end
        step.on_critical_path = step.key in path
        session.add(step)
    _note_risk_change(session=session, atelier=atelier, timeline=timeline, now=now)
    # Gates follow the forecast of their step, except a revised version's own delay.
    by_id = {s.id: s for s in steps}
    for gate in session.exec(select(Gate).where(Gate.atelier_id == pk(atelier))).all():
        if gate.revised_at is not None:
            continue
        step = by_id[gate.step_id]
        gate.due_at = gate_due_at(step.kind, timeline.steps[step.key])
        session.add(gate)
    session.flush()
    return timeline


def _note_risk_change(*, session: Session, atelier: Atelier, timeline: Timeline, now: datetime) -> None:
    previous = Risk(atelier.risk)
    atelier.risk = timeline.risk.value
    atelier.forecast_avis_at = timeline.avis_end
    session.add(atelier)
    if timeline.risk is previous:
        return
    record_event(
        session=session,
        atelier_id=atelier.id,
        actor="engine",
        kind="avis_at_risk" if timeline.risk is Risk.AT_RISK else "risk_changed",
        at=now,
        old_risk=previous.value,
        new_risk=timeline.risk.value,
        forecast_avis_at=timeline.avis_end.isoformat(),
        slack_days=timeline.slack_days,
        reasons=timeline.reasons,
    )


MAX_URL_LENGTH = 500


def check_public_url(text: str) -> str:
    """An http(s) address people can open, as typed (surrounding spaces removed)."""
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise Refused(
            "adresse de publication invalide : attendu une adresse web complète (https://…)",
            "invalid public url",
        )
    if len(url) > MAX_URL_LENGTH:
        raise Refused(
            f"adresse de publication trop longue (plus de {MAX_URL_LENGTH} caractères)", "url too long"
        )
    return url


def record_step_done(
    *,
    session: Session,
    atelier: Atelier,
    step_key: str,
    done_at: datetime,
    actor: str,
    now: datetime,
    by_gate: bool = False,
    public_url: str | None = None,
) -> Timeline:
    """Mark a step done at ``done_at``; its dependencies must be done, gates close their own.

    A step whose result is published is done with the address where it is (``public_url``).
    """
    step = get_step(session=session, atelier=atelier, key=step_key)
    if step.status is not StepStatus.PENDING and step.actual_end is not None:
        raise Refused(
            f"l'étape « {step.name} » est déjà faite (le {short_datetime(step.actual_end)})",
            f"step {step_key} already done",
        )
    gate = session.exec(select(Gate).where(Gate.step_id == pk(step))).first()
    if gate is not None and not by_gate:
        raise Refused(
            f"l'étape « {step.name} » se clôt par la décision « {gate.name} » : "
            f"enregistrez les décisions avec « atelier gate decide »",
            f"step {step_key} is closed by gate {gate.key}",
        )
    if done_at > now + timedelta(hours=1):
        raise Refused(f"la date {short_datetime(done_at)} est dans le futur", "done_at in the future")
    by_key = {s.key: s for s in steps_of(session=session, atelier=atelier)}
    for dep in step.depends_on:
        dep_step = by_key[dep]
        if dep_step.status is StepStatus.PENDING or dep_step.actual_end is None:
            raise Refused(
                f"l'étape « {step.name} » dépend de « {dep_step.name} », qui n'est pas faite",
                f"step {step_key} waits for {dep}",
            )
        if done_at < dep_step.actual_end:
            raise Refused(
                f"« {step.name} » ne peut pas être faite le {short_date(done_at)}, avant "
                f"« {dep_step.name} » ({short_date(dep_step.actual_end)})",
                f"step {step_key} done before its dependency {dep}",
            )
    if public_url is not None:
        public_url = check_public_url(public_url)
    elif template_of(atelier).step(step.key).public_link and not by_gate:
        # Closed by its gate, the step's result is on the atelier's own public record instead.
        raise Refused(
            f"« {step.name} » est publique : indiquez l'adresse où la lire (option --lien)",
            f"step {step_key} done without its public link",
        )
    step.status = StepStatus.DONE
    step.actual_end = done_at
    step.public_url = public_url
    session.add(step)
    record_event(
        session=session,
        atelier_id=atelier.id,
        actor=actor,
        kind="step_done",
        at=now,
        step=step_key,
        done_at=done_at.isoformat(),
        planned_end=step.planned_end.isoformat(),
    )
    _close_finished_stages(session=session, atelier=atelier, now=now)
    return refresh_forecast(session=session, atelier=atelier, now=now)


def _close_finished_stages(*, session: Session, atelier: Atelier, now: datetime) -> None:
    steps = steps_of(session=session, atelier=atelier)
    for stage in stages_of(session=session, atelier=atelier):
        stage_steps = [s for s in steps if s.stage_id == stage.id]
        if stage.status is not StageStatus.DONE and all(
            s.status is not StepStatus.PENDING for s in stage_steps
        ):
            stage.status = StageStatus.DONE
            stage.opened_at = stage.opened_at or now
            stage.closed_at = now
            session.add(stage)
            record_event(
                session=session,
                atelier_id=atelier.id,
                actor="engine",
                kind="stage_closed",
                at=now,
                stage=stage.key,
            )


def cancel_event(
    *, session: Session, atelier: Atelier, step_key: str, reason: str, now: datetime, actor: str = "team"
) -> Step:
    """Call off an online session: its invites are cancelled (METHOD:CANCEL), its reminders dropped.

    Only online sessions can be cancelled; weekends and COPIL meetings are moved, not dropped.
    """
    step = get_step(session=session, atelier=atelier, key=step_key)
    if step.kind is not StepKind.ONLINE_SESSION:
        raise Refused(
            f"seule une session en ligne peut être annulée (« {step.name} » est à déplacer)",
            f"cannot cancel step {step_key} of kind {step.kind.value}",
        )
    if step.status is not StepStatus.PENDING:
        raise Refused(f"« {step.name} » n'est plus à venir", f"step {step_key} is {step.status.value}")
    step.status = StepStatus.CANCELLED
    step.actual_end = step.forecast_end
    session.add(step)
    record_event(
        session=session,
        atelier_id=atelier.id,
        actor=actor,
        kind="event_cancelled",
        at=now,
        step=step_key,
        reason=reason,
    )
    _close_finished_stages(session=session, atelier=atelier, now=now)
    return step
