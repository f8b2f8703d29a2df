"""Units of work that queue what the atelier's state calls for (the outbox is the queue), and the
replacements of the panel's drop-outs, proposed before, so that an approved one is invited at once."""

from __future__ import annotations

from datetime import datetime

from atelier.bootstrap import current
from atelier.db import transaction
from atelier.services.ateliers import get_atelier
from atelier.services.follow_up_messages import sync_follow_up_messages
from atelier.services.outbox_sync import SyncReport, sync_outbox
from atelier.services.portfolio import queue_weekly_digest
from atelier.services.replacements import propose_replacements
from models.types import pk
from notifications.volunteers import sync_volunteer_messages
from tasks.unit import unit


@unit("proposer les remplacements", "{slug} · remplacements")
def propose_panel_replacements(slug: str, now: datetime) -> list[int]:
    """For each new drop-out of the panel, the replacement that keeps the quotas; their ids."""
    with transaction(current().engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        return [pk(r) for r in propose_replacements(session=session, atelier=atelier, now=now)]


@unit("programmer les messages", "{slug} · messages")
def queue_messages(slug: str, now: datetime) -> SyncReport:
    """The messages of the template's rules: queued when due, cancelled when no longer."""
    runtime = current()
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        return sync_outbox(
            session=session, atelier=atelier, settings=runtime.settings, signer=runtime.signer, now=now
        )


@unit("écrire aux volontaires", "{slug} · volontaires")
def queue_volunteer_messages(slug: str, now: datetime) -> int:
    """What the pool's volunteers not drawn are told (the result, the reserve, the thanks); how many."""
    runtime = current()
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        return sync_volunteer_messages(session=session, atelier=atelier, settings=runtime.settings, now=now)


@unit("programmer le droit de suite", "{slug} · droit de suite")
def queue_follow_up_messages(slug: str, now: datetime) -> int:
    """The droit de suite's letters: the invitation to mark the answers, the weekly digest; how many."""
    runtime = current()
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        return sync_follow_up_messages(
            session=session, atelier=atelier, settings=runtime.settings, signer=runtime.signer, now=now
        )


@unit("point de la semaine à l'équipe", "{slug} · point de la semaine")
def queue_team_digest(slug: str, now: datetime) -> int:
    """On Mondays, the team's digest of what is late or at risk, when something is; how many queued."""
    runtime = current()
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        return queue_weekly_digest(session=session, atelier=atelier, settings=runtime.settings, now=now)
