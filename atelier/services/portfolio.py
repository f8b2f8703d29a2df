"""The portfolio's figures, read for all the ateliers at once (a handful of queries, whatever their
number), and the weekly digest of what is late or at risk, sent to each atelier's team."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, time

from sqlmodel import Session, col, func, select

from atelier.clock import PARIS, ensure_utc
from atelier.config import Settings
from atelier.planning.portfolio import AtelierFigures, WaitingGate, attention
from atelier.planning.timeline import Risk, StepDates, gate_due_at
from atelier.services.outbox_sync import team_recipients
from models import Atelier, Gate, OutboxMessage, PanelReplacement, Stage, Step
from models.enums import GateStatus, OutboxStatus, ReplacementStatus, StepKind, StepStatus
from models.types import pk
from notifications.outbox import queue_message

DIGEST_KIND = "team_weekly_digest"
DIGEST_HOUR = time(8, 0)  # Monday, Paris time


def figures_of(*, session: Session, ateliers: list[Atelier]) -> list[AtelierFigures]:
    """Each atelier's figures, in the order given."""
    ids = [pk(a) for a in ateliers]
    if not ids:
        return []
    stage_names = {
        (atelier_id, key): name
        for atelier_id, key, name in session.exec(
            select(Stage.atelier_id, Stage.key, Stage.name).where(col(Stage.atelier_id).in_(ids))
        ).all()
    }
    # Each atelier's next pending step only (its earliest forecast end), not all of them.
    pending = (col(Step.status) == StepStatus.PENDING) & col(Step.atelier_id).in_(ids)
    earliest = (
        select(col(Step.atelier_id).label("atelier_id"), func.min(Step.forecast_end).label("end"))
        .where(pending)
        .group_by(col(Step.atelier_id))
        .subquery()
    )
    next_steps: dict[int, tuple[str, datetime]] = {}
    for atelier_id, name, end in session.exec(
        select(Step.atelier_id, Step.name, Step.forecast_end)
        .join(earliest, (earliest.c.atelier_id == Step.atelier_id) & (earliest.c.end == Step.forecast_end))
        .where(pending)
        .order_by(col(Step.position))
    ).all():
        next_steps.setdefault(atelier_id, (name, end))
    gates: defaultdict[int, list[WaitingGate]] = defaultdict(list)
    waiting = session.exec(
        select(Gate, Step)
        .join(Step, col(Step.id) == col(Gate.step_id))
        .where(col(Gate.atelier_id).in_(ids), Gate.status == GateStatus.OPEN)
    ).all()
    for gate, gate_step in waiting:
        gates[gate.atelier_id].append(WaitingGate(gate.name, gate.opened_at, _deadline(gate, gate_step)))
    failed = _counts(
        session.exec(
            select(OutboxMessage.atelier_id, func.count())
            .where(OutboxMessage.status == OutboxStatus.FAILED, col(OutboxMessage.atelier_id).in_(ids))
            .group_by(col(OutboxMessage.atelier_id))
        ).all()
    )
    dropouts = _counts(
        session.exec(
            select(PanelReplacement.atelier_id, func.count())
            .where(
                PanelReplacement.status == ReplacementStatus.PROPOSED,
                col(PanelReplacement.atelier_id).in_(ids),
            )
            .group_by(col(PanelReplacement.atelier_id))
        ).all()
    )
    lines = []
    for atelier in ateliers:
        atelier_id = pk(atelier)
        step = next_steps.get(atelier_id)
        forecast = atelier.forecast_avis_at
        margin = None
        if forecast is not None:
            margin = (atelier.target_avis_date - ensure_utc(forecast).astimezone(PARIS).date()).days
        lines.append(
            AtelierFigures(
                slug=atelier.slug,
                title=atelier.title,
                stage=stage_names.get((atelier_id, atelier.current_stage_key or ""), "—"),
                next_step=step[0] if step else None,
                next_step_at=step[1] if step else None,
                margin_days=margin,
                risk=Risk(atelier.risk),
                gates=tuple(sorted(gates[atelier_id], key=lambda g: g.deadline)),
                failed_messages=failed.get(atelier_id, 0),
                dropouts_waiting=dropouts.get(atelier_id, 0),
                completed=atelier.completed_at is not None,
                stuck_since=atelier.stuck_since,
            )
        )
    return lines


def _deadline(gate: Gate, step: Step) -> datetime:
    """When a waiting decision is overdue. Its ``due_at`` follows the forecast, which slips as long
    as nobody decides; the deadline does not: the step's planned date (or where the team moved a
    meeting), and never less than the planned time to decide counted from when it was asked. A
    revised version keeps its own delay."""
    if gate.revised_at is not None:
        return gate.due_at
    start = step.rescheduled_start or step.planned_start
    planned = gate_due_at(step.kind, StepDates(step.key, start, step.planned_end, None))
    if gate.opened_at is None or step.kind is StepKind.MEETING:
        return planned
    return max(planned, ensure_utc(gate.opened_at) + (step.planned_end - step.planned_start))


def _counts(rows: object) -> dict[int, int]:
    return {int(atelier_id): int(number) for atelier_id, number in rows}  # type: ignore[attr-defined]


def queue_weekly_digest(*, session: Session, atelier: Atelier, settings: Settings, now: datetime) -> int:
    """On Mondays (Paris), queue the week's digest to the atelier's team, due at 08:00, only when
    something is late or at risk; once a week whichever engine runs (its key names the week).
    Returns how many were queued."""
    local = ensure_utc(now).astimezone(PARIS)
    if atelier.completed_at is not None or local.weekday() != 0:
        return 0
    [figures] = figures_of(session=session, ateliers=[atelier])
    lines = attention(figures, now)
    if not lines:
        return 0
    due = max(ensure_utc(now), datetime.combine(local.date(), DIGEST_HOUR, tzinfo=PARIS).astimezone(UTC))
    week = f"{local:%G-W%V}"
    team = team_recipients(session=session, atelier=atelier, settings=settings)
    keys = [f"team|a{pk(atelier)}|{DIGEST_KIND}|{week}|t{index}" for index in range(len(team))]
    known = set(session.exec(select(OutboxMessage.key).where(col(OutboxMessage.key).in_(keys))).all())
    queued = 0
    for key, to in zip(keys, team, strict=True):
        if key in known:
            continue
        context = {
            "atelier": {"title": atelier.title, "slug": atelier.slug, "commanditaire": atelier.commanditaire},
            "team": {"name": settings.mail_from_name, "email": settings.team_email},
            "person": {"full_name": to.full_name},
            "attention": lines,
            "links": {"atelier": f"{settings.public_base_url}/espace/{atelier.slug}"},
        }
        queue_message(
            session, atelier, settings, to, key=key, kind=DIGEST_KIND, context=context,
            due=due, now=now, note={"alert": DIGEST_KIND, "week": week},
        )  # fmt: skip
        queued += 1
    return queued
