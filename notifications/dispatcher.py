"""The dispatcher: claims due outbox rows, sends them, records each as sent right away."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import deque
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.engine import Engine

from atelier.clock import Clock
from atelier.config import Settings
from atelier.db import transaction
from models import Atelier, OutboxMessage
from notifications.mime import build_email, envelope_recipients, serialise
from notifications.outage import note_failure, note_given_up, note_success
from notifications.outbox import (
    claim_due,
    mark_failed_attempt,
    mark_sent,
    queue_team_alert,
    release_claims,
    renew_claims,
)
from notifications.pacing import SendPacing, recipient_domain
from notifications.transport import MailTransport, PermanentFailure

log = logging.getLogger("atelier.dispatcher")

# Waits between attempts; after the last one the message is given up and the team alerted.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
)


def retry_delay(attempts_before: int) -> timedelta | None:
    """Delay before the next attempt, or None when the message should be given up."""
    if attempts_before < len(RETRY_DELAYS):
        return RETRY_DELAYS[attempts_before]
    return None


@dataclass
class DispatchStats:
    claimed: int = 0
    sent: int = 0
    failed_attempts: int = 0
    given_up: int = 0
    lost: int = 0  # re-claimed by another dispatcher before we could send it


@dataclass
class _Claimed:
    """One batch: the rows not taken by a sender yet, those still ours, when we last renewed."""

    queued: deque[OutboxMessage]
    ours: AbstractSet[int | None]
    renewed_at: datetime


class Dispatcher:
    def __init__(
        self,
        *,
        engine: Engine,
        transport: MailTransport,
        clock: Clock,
        settings: Settings,
        worker: str | None = None,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.engine = engine
        self.transport = transport
        self.clock = clock
        self.settings = settings
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = lease
        # Whether delivery may be marked as failing (by us or another dispatcher): checked at the
        # first success of each drain, so that a healthy run costs no extra write per message.
        self._may_be_failing = True
        self._stopping = False
        self.pacing = SendPacing(
            per_minute=settings.smtp_rate_per_minute,
            per_domain_per_minute=settings.smtp_domain_rate_per_minute,
        )

    def stop(self) -> None:
        """Finish the messages in flight, send no other (SIGTERM): the rest is handed back."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def drain_once(self) -> DispatchStats:
        """Claim one batch of due messages and try each once, ``smtp_connections`` at a time."""
        stats = DispatchStats()
        if self._stopping:
            return stats
        now = self.clock.now()
        batch = claim_due(
            engine=self.engine,
            worker=self.worker,
            now=now,
            limit=self.settings.dispatch_batch_size,
            lease=self.lease,
        )
        stats.claimed = len(batch)
        claimed = _Claimed(deque(batch), {row.id for row in batch}, now)

        async def sender() -> None:
            while not self._stopping and (row := self._next(claimed, stats)) is not None:
                await self._send_one(row, stats)

        # A TaskGroup: should one sender fail (the database away), the others stop too, and the
        # batch's rows come back after the lease, as after a crash.
        async with asyncio.TaskGroup() as senders:
            for _ in range(min(self.settings.smtp_connections, len(batch))):
                senders.create_task(sender())
        if claimed.queued:  # stopped: what we claimed and did not send goes back at once
            ids = [r.id for r in claimed.queued if r.id is not None]
            release_claims(engine=self.engine, message_ids=ids, worker=self.worker)
        return stats

    def _next(self, claimed: _Claimed, stats: DispatchStats) -> OutboxMessage | None:
        # A slow relay can make a batch outlast the lease: the rest of the batch is renewed each
        # third of the lease, so no row is re-claimed by another dispatcher while still queued
        # here (safe while one send lasts under two thirds of the lease: the SMTP timeout is 30 s).
        now = self.clock.now()
        if now - claimed.renewed_at >= self.lease / 3:
            ids = [r.id for r in claimed.queued if r.id is not None]
            claimed.ours = renew_claims(engine=self.engine, message_ids=ids, worker=self.worker, now=now)
            claimed.renewed_at = now
        while claimed.queued:
            row = self._pick(claimed.queued)
            if row.id in claimed.ours:
                return row
            stats.lost += 1
        return None

    def _pick(self, queued: deque[OutboxMessage]) -> OutboxMessage:
        """The next message, passing over those whose domain must wait while another's need not."""
        if self.pacing.per_domain_per_minute:
            for row in queued:
                if self.pacing.ready(recipient_domain(envelope_recipients(row))):
                    queued.remove(row)
                    return row
        return queued.popleft()

    async def drain(self, *, max_batches: int = 1000) -> DispatchStats:
        """Send everything due now (bounded), batch after batch."""
        total = DispatchStats()
        self._may_be_failing = True
        for _ in range(max_batches):
            stats = await self.drain_once()
            total.claimed += stats.claimed
            total.sent += stats.sent
            total.failed_attempts += stats.failed_attempts
            total.given_up += stats.given_up
            total.lost += stats.lost
            if stats.claimed == 0 or stats.sent == 0 or self._stopping:
                break
        return total

    async def _send_one(self, row: OutboxMessage, stats: DispatchStats) -> None:
        if row.id is None:
            raise RuntimeError("claimed outbox row without id")
        now = self.clock.now()
        try:
            # Off the event loop, as the commit below: while one message is built, the other
            # connections' replies are still read at once (a relay's latency is per round trip).
            data = await asyncio.to_thread(self._build, row, now)
        except (ValueError, TypeError) as error:
            # The message itself cannot be built: no retry will change that.
            self._give_up(row, f"message could not be built: {type(error).__name__}", stats)
            return
        try:
            recipients = envelope_recipients(row)
            pace = partial(self.pacing.wait, recipient_domain(recipients)) if self.pacing.limited else None
            await self.transport.send(self.settings.mail_from, recipients, data, pace=pace)
        except PermanentFailure as error:
            self._give_up(row, str(error), stats)
            return
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            self._may_be_failing = True
            note_failure(engine=self.engine, settings=self.settings, now=now, error=reason)
            delay = retry_delay(row.attempts)
            if delay is None:
                self._give_up(row, reason, stats)
                return
            log.warning(
                "send failed (attempt %d) outbox=%s: %s", row.attempts + 1, row.id, type(error).__name__
            )
            mark_failed_attempt(
                engine=self.engine,
                message=row,
                worker=self.worker,
                now=now,
                error=reason,
                retry_at=now + delay,
            )
            stats.failed_attempts += 1
            return
        # Committed right after the server accepted it: a crash re-sends at most this one.
        await asyncio.to_thread(
            mark_sent, engine=self.engine, message_id=row.id, worker=self.worker, now=self.clock.now()
        )
        stats.sent += 1
        if self._may_be_failing:
            note_success(engine=self.engine, settings=self.settings, now=self.clock.now())
            self._may_be_failing = False

    def _build(self, row: OutboxMessage, now: datetime) -> bytes:
        return serialise(build_email(row, settings=self.settings, now=now))

    def _give_up(self, row: OutboxMessage, error: str, stats: DispatchStats) -> None:
        now = self.clock.now()
        log.error("giving up outbox=%s after %d attempts", row.id, row.attempts + 1)
        mark_failed_attempt(
            engine=self.engine, message=row, worker=self.worker, now=now, error=error, retry_at=None
        )
        stats.given_up += 1
        if row.context.get("alert"):
            return  # never alert about an alert
        if note_given_up(engine=self.engine):
            return  # counted in the outage the team already knows of, reported at recovery
        with transaction(self.engine) as session:
            atelier = session.get(Atelier, row.atelier_id) if row.atelier_id is not None else None
            queue_team_alert(
                session=session,
                atelier_id=row.atelier_id,
                key=f"team|undeliverable|{row.id}",
                kind="team_undeliverable_alert",
                subject_context={
                    "atelier": {
                        "title": atelier.title if atelier else "Atelier citoyen",
                        "commanditaire": atelier.commanditaire if atelier else "",
                    },
                    "team": {"name": self.settings.mail_from_name, "email": self.settings.team_email},
                    "failed": {
                        "subject": row.subject,
                        "recipient": row.recipient,
                        "attempts": row.attempts + 1,
                        "error": error[:300],
                    },
                },
                settings=self.settings,
                now=now,
            )
