"""The seal, off the request path: asked for (the recruitment page, the command line), claimed by
one run (``flows/sealing.py``), followed while its search runs, recorded when it ends, or its
failure said to the team.

The lottery row holds it all, so that the page survives a reload and an engine that died mid-search
is replaced: a claim (``seal_run``) not renewed for ``SEAL_LEASE`` may be taken by another run. Only
the run that holds the claim writes; a run that lost it finds its writes refused and stops. While a
seal is asked for, the pool, the quotas and the household rule do not change (``not_sealed``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, or_, update
from sqlmodel import Session, col, select

from atelier.clock import Clock
from atelier.db import transaction
from atelier.errors import Refused
from atelier.panel.draw import commitment, publication
from atelier.panel.lottery import ALGORITHMS, Distribution, Problem
from atelier.panel.model import Pool, Quota, Types, types_of
from atelier.panel.relax import refuse_if_infeasible, solve_or_explain
from atelier.panel.watch import Progress, Watch
from atelier.planning.template import template_of
from atelier.services.ateliers import get_atelier
from atelier.services.events import record_event
from atelier.services.recruitment import (
    ALGORITHM,
    draw_preconditions,
    lottery_of,
    not_sealed,
    pool_of,
    quotas_of,
    volunteers_of,
)
from models import Atelier, PanelLottery
from models.enums import VolunteerStatus
from models.types import pk

log = logging.getLogger("atelier.sealing")

SEAL_LEASE = timedelta(minutes=2)  # a claim not renewed for so long belongs to a run that died
UNEXPECTED = (
    "le calcul s'est interrompu sur une erreur imprévue, signalée à l'exploitation : "
    "demandez un nouveau scellement"
)
INTERRUPTED = "le calcul a été interrompu avant sa fin : demandez un nouveau scellement"
BEAT_SECONDS = 2.0  # how often a run renews its claim and writes its progress


def refuse_unmet(*, session: Session, atelier: Atelier) -> None:
    for precondition in draw_preconditions(session=session, atelier=atelier):
        if precondition.unmet is not None:
            raise Refused(
                f"pas de tirage : {precondition.unmet}", f"lottery precondition: {precondition.label}"
            )


def request_seal(
    *,
    session: Session,
    atelier: Atelier,
    size: int | None,
    now: datetime,
    actor: str,
    algorithm: str,
    max_seconds: float | None,
    run: str | None = None,
) -> PanelLottery:
    """Ask for the seal (refused as the seal itself would be); ``run`` claims it at once for the
    caller, who carries it out (the command line)."""
    lottery = lottery_of(session=session, atelier=atelier)
    not_sealed(lottery, "il ne peut l'être deux fois")
    if algorithm not in ALGORITHMS:
        raise Refused("choisissez MAXIMIN ou LEXIMIN", f"unknown algorithm {algorithm}")
    if size is not None and size < 1:
        raise Refused("la taille du panel doit être d'au moins une personne", "panel size below 1")
    refuse_unmet(session=session, atelier=atelier)
    size = size or template_of(atelier).citizens
    pool, quotas = _problem_inputs(session, atelier)
    refuse_if_infeasible(Problem(types_of(pool), pool.categories, quotas, size))
    lottery.size, lottery.algorithm = size, algorithm
    lottery.seal_requested_at, lottery.seal_requested_by, lottery.seal_max_seconds = now, actor, max_seconds
    lottery.seal_run = run
    lottery.seal_started_at = lottery.seal_beat_at = now if run is not None else None
    lottery.seal_progress = lottery.seal_failure = None
    session.add(lottery)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="panel_seal_requested",
        at=now,
        size=lottery.size,
        algorithm=algorithm,
    )
    session.flush()
    return lottery


def awaiting_run(*, session: Session, now: datetime) -> list[tuple[str, str]]:
    """The seals asked for that no live run holds, each with a key naming this attempt: engines
    that see the same one start one run for it."""
    rows = session.exec(
        select(Atelier.slug, PanelLottery)
        .join(PanelLottery, col(PanelLottery.atelier_id) == col(Atelier.id))
        .where(col(PanelLottery.seal_requested_at).is_not(None), col(PanelLottery.sealed_at).is_(None))
        .where(_unclaimed(now))
    ).all()
    return [
        (slug, f"{slug}|scellement|{_stamp(lottery)}|{lottery.seal_run or 'nouveau'}")
        for slug, lottery in rows
    ]


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    """No run holds the claim, or the one that did has not renewed it for ``SEAL_LEASE``."""
    beat_at = col(PanelLottery.seal_beat_at)
    return or_(beat_at.is_(None), beat_at < now - SEAL_LEASE)


def _stamp(lottery: PanelLottery) -> str:
    return f"{lottery.seal_requested_at:%Y-%m-%dT%H:%M:%S.%f}"


@dataclass(frozen=True)
class SealJob:
    """What a run claimed: the problem as it stood when the run began."""

    atelier_id: int
    run: str
    pool: Pool
    types: Types
    quotas: tuple[Quota, ...]
    size: int
    algorithm: str
    max_seconds: float | None

    @property
    def problem(self) -> Problem:
        return Problem(self.types, self.pool.categories, self.quotas, self.size)


def _problem_inputs(session: Session, atelier: Atelier) -> tuple[Pool, tuple[Quota, ...]]:
    quotas = tuple(quotas_of(session=session, atelier=atelier))
    categories = tuple(dict.fromkeys(q.category for q in quotas))
    volunteers = volunteers_of(session=session, atelier=atelier, status=VolunteerStatus.POOL)
    return pool_of(volunteers, categories), quotas


def claim_seal(*, session: Session, atelier: Atelier, run: str, now: datetime) -> SealJob | None:
    """The seal asked for, claimed by ``run`` (kept if it holds it already); None when there is
    nothing to seal or a live run holds it."""
    lottery = lottery_of(session=session, atelier=atelier)
    if lottery.seal_requested_at is None or lottery.sealed_at is not None:
        return None
    if lottery.seal_run != run:
        # Compare and set: of two runs claiming at once, one changes the row, the other finds it changed.
        claimed = session.execute(
            update(PanelLottery)
            .where(col(PanelLottery.id) == lottery.id)
            .where(col(PanelLottery.seal_requested_at) == lottery.seal_requested_at)
            .where(_same_run(lottery.seal_run))
            .where(_unclaimed(now))
            .values(seal_run=run, seal_started_at=now, seal_beat_at=now, seal_progress=None)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        session.refresh(lottery)
    refuse_unmet(session=session, atelier=atelier)
    pool, quotas = _problem_inputs(session, atelier)
    return SealJob(
        atelier_id=pk(atelier),
        run=run,
        pool=pool,
        types=types_of(pool),
        quotas=quotas,
        size=lottery.size or template_of(atelier).citizens,
        algorithm=lottery.algorithm or ALGORITHM,
        max_seconds=lottery.seal_max_seconds,
    )


def _same_run(value: str | None) -> ColumnElement[bool]:
    run = col(PanelLottery.seal_run)
    return run.is_(None) if value is None else run == value


def beat(*, session: Session, atelier_id: int, run: str, progress: Progress | None, now: datetime) -> bool:
    """Renew the claim and say where the search stands; False when the run no longer holds it."""
    values: dict[str, object] = {"seal_beat_at": now}
    if progress is not None:
        values["seal_progress"] = json.dumps(dataclasses.asdict(progress))
    renewed = session.execute(
        update(PanelLottery)
        .where(col(PanelLottery.atelier_id) == atelier_id, col(PanelLottery.seal_run) == run)
        .where(col(PanelLottery.sealed_at).is_(None))
        .values(**values)
    )
    return bool(renewed.rowcount == 1)  # type: ignore[attr-defined]


def finish_seal(
    *, session: Session, job: SealJob, distribution: Distribution, now: datetime
) -> PanelLottery | None:
    """Publish the distribution and its commitment, if the run still holds the claim (None if not)."""
    lottery = session.exec(select(PanelLottery).where(PanelLottery.atelier_id == job.atelier_id)).one()
    if lottery.seal_run != job.run or lottery.sealed_at is not None:
        return None
    atelier = session.get(Atelier, job.atelier_id)
    if atelier is None or _problem_inputs(session, atelier) != (job.pool, job.quotas):
        raise Refused(
            "le vivier ou les quotas ont changé pendant le calcul : demandez un nouveau scellement",
            "pool or quotas changed during the seal",
        )
    published = publication(job.pool, job.quotas, job.size, job.algorithm, distribution, job.types)
    lottery.sealed_at = now
    lottery.publication = json.dumps(published, ensure_ascii=False)
    lottery.commitment = commitment(published)
    actor = lottery.seal_requested_by or "engine"
    _clear_claim(lottery)
    session.add(lottery)
    record_event(
        session=session,
        atelier_id=job.atelier_id,
        actor=actor,
        kind="panel_sealed",
        at=now,
        commitment=lottery.commitment,
        size=job.size,
        pool=len(job.pool.ids),
    )
    return lottery


def fail_seal(*, session: Session, atelier_id: int, run: str, reason: str, now: datetime) -> bool:
    """The seal asked for ends without a distribution: the page says why, and it may be asked again."""
    lottery = session.exec(select(PanelLottery).where(PanelLottery.atelier_id == atelier_id)).one()
    if lottery.seal_run != run or lottery.sealed_at is not None:
        return False
    _clear_claim(lottery)
    lottery.seal_failure = reason
    session.add(lottery)
    # By the engine: no other engine is woken for it.
    record_event(
        session=session,
        atelier_id=atelier_id,
        actor="engine",
        kind="panel_seal_failed",
        at=now,
        reason=reason,
    )
    return True


def withdraw_seal(*, session: Session, atelier: Atelier, now: datetime, actor: str) -> None:
    """The team takes back the seal it asked for (no engine to run it, a wrong size): the run
    under way, if any, finds its claim gone and stops without publishing."""
    lottery = lottery_of(session=session, atelier=atelier)
    if lottery.sealed_at is not None or lottery.seal_requested_at is None:
        raise Refused("aucun scellement n'est en cours", "no seal to withdraw")
    _clear_claim(lottery)
    lottery.seal_failure = None
    session.add(lottery)
    record_event(session=session, atelier_id=pk(atelier), actor=actor, kind="panel_seal_withdrawn", at=now)


def _clear_claim(lottery: PanelLottery) -> None:
    lottery.seal_requested_at = lottery.seal_requested_by = lottery.seal_max_seconds = None
    lottery.seal_run = lottery.seal_started_at = lottery.seal_beat_at = lottery.seal_progress = None


def new_run() -> str:
    return uuid.uuid4().hex


class _Beating:
    """Renews the claim every ``BEAT_SECONDS`` from a thread of its own, with the last progress the
    search reported: HiGHS releases the GIL, so the beat goes on while a MIP is solved."""

    def __init__(self, engine: Engine, clock: Clock, job: SealJob) -> None:
        self.engine, self.clock, self.job = engine, clock, job
        self.progress: Progress | None = None
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="atelier-seal-beat", daemon=True)

    def __enter__(self) -> _Beating:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            try:
                with transaction(self.engine) as session:
                    held = beat(session=session, atelier_id=self.job.atelier_id, run=self.job.run,
                                progress=self.progress, now=self.clock.now())  # fmt: skip
            except Exception:
                log.exception("seal beat failed")  # the database away for a moment: the next beat retries
                continue
            if not held:
                self.lost.set()
                return


@dataclass(frozen=True)
class SealOutcome:
    lottery: PanelLottery | None  # the sealed lottery, or None when the seal failed or was not ours
    failure: str | None = None


def carry_out_seal(
    engine: Engine, clock: Clock, slug: str, *, run: str, report: Callable[[Progress], None] | None = None
) -> SealOutcome | None:
    """Claim the seal asked for in ``slug``, search, and record the distribution or why there is
    none; None when there was nothing to claim. The one path of every seal (flow run, command line)."""
    with transaction(engine) as session:
        try:
            job = claim_seal(session=session, atelier=get_atelier(session=session, slug=slug), run=run,
                             now=clock.now())  # fmt: skip
            failure = None
        except Refused as refused:
            job, failure = None, refused
    if failure is not None:
        return _failed(engine, clock, slug, run, failure.message_fr)
    if job is None:
        return None
    log.info("seal of %s claimed by run %s: %d volunteers", slug, run, len(job.pool.ids))

    with _Beating(engine, clock, job) as beating:

        def reported(progress: Progress) -> None:
            beating.progress = progress
            if report is not None:
                report(progress)

        try:
            distribution = solve_or_explain(
                job.problem, job.algorithm, Watch(job.max_seconds, reported, cancelled=beating.lost.is_set)
            )
        except Refused as refused:
            return _failed(engine, clock, slug, run, refused.message_fr)
        except KeyboardInterrupt:  # the command line's Ctrl+C: the seal is not left pending
            _failed(engine, clock, slug, run, INTERRUPTED)
            raise
        except Exception:
            _failed(engine, clock, slug, run, UNEXPECTED)
            raise
    try:
        with transaction(engine) as session:
            now = clock.now()
            lottery = finish_seal(session=session, job=job, distribution=distribution, now=now)
    except Refused as refused:
        return _failed(engine, clock, slug, run, refused.message_fr)
    return SealOutcome(lottery)


def _failed(engine: Engine, clock: Clock, slug: str, run: str, reason: str) -> SealOutcome:
    log.warning("seal of %s by run %s failed", slug, run)
    with transaction(engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        fail_seal(session=session, atelier_id=pk(atelier), run=run, reason=reason, now=clock.now())
    return SealOutcome(None, reason)
