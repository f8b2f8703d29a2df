"""One atelier advanced by one run at a time, whoever runs it: the engine's own worker thread (the
in-process path) or a Prefect deployment's run (``flows/deployed.py``).

On PostgreSQL the turn is a session advisory lock named after the atelier, released when the
process dies (a killed run never leaves an atelier locked; a Prefect concurrency slot would stay
taken until its lease ends, see the README's « Production »). A change waits for its turn; a check
(``unless_advanced_since``) leaves the atelier to the run already at it, or already done since.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from atelier.bootstrap import Runtime
from atelier.db import held_exclusively, transaction
from atelier.services.advance_failures import clear_advance_failure, record_advance_failure
from models import Atelier

log = logging.getLogger("atelier.engine")

Advance = Callable[[str, datetime], object]


def advance_in_turn(
    runtime: Runtime, slug: str, advance: Advance, *, now: datetime | None = None,
    unless_advanced_since: datetime | None = None,
) -> bool:  # fmt: skip
    """Advance ``slug`` with ``advance`` once it is this run's turn; False when passed over."""
    engine = runtime.engine
    with held_exclusively(engine, f"advance:{slug}", wait=unless_advanced_since is None) as ours:
        if not ours or (
            unless_advanced_since is not None and _advanced_since(engine, slug, unless_advanced_since)
        ):
            return False
        # The run's now may come from the one who triggered it (a deployment's run): the time it took
        # is added to it, so that a check begun meanwhile, on the same clock, sees it done.
        started, took = now or runtime.clock.now(), time.perf_counter()
        try:
            with runtime.metrics.advance_seconds.time():
                advance(slug, started)
        except Exception as error:
            _noted(runtime, slug, error, started)
            raise
        done_at = started + timedelta(seconds=time.perf_counter() - took)
        with transaction(engine) as session:
            session.execute(update(Atelier).where(col(Atelier.slug) == slug).values(advanced_at=done_at))
            clear_advance_failure(session=session, slug=slug, now=done_at)
    return True


def _noted(runtime: Runtime, slug: str, error: Exception, now: datetime) -> None:
    """The failure shown to the team (the advance's own transaction was rolled back); if even that
    cannot be written (the database is down), the log and /sante say so."""
    try:
        with transaction(runtime.engine) as session:
            record_advance_failure(
                session=session, slug=slug, error=error, settings=runtime.settings, now=now
            )
    except Exception:
        log.exception("recording that advancing an atelier failed, failed too")


def _advanced_since(engine: Engine, slug: str, since: datetime) -> bool:
    with transaction(engine) as session:
        advanced = session.exec(select(Atelier.advanced_at).where(Atelier.slug == slug)).first()
    return advanced is not None and advanced >= since


def open_atelier_slugs(runtime: Runtime) -> list[str]:
    """The ateliers a check goes through: every one not completed."""
    with transaction(runtime.engine) as session:
        return list(session.exec(select(Atelier.slug).where(Atelier.completed_at == None)).all())  # noqa: E711
