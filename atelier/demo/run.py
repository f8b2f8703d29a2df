"""Running the demo: a local SMTP catcher, a local Prefect server, months in a loop."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time as wall
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from atelier.bootstrap import Runtime, bootstrap
from atelier.clock import PARIS, SimulatedClock
from atelier.config import Settings
from atelier.db import transaction
from atelier.demo.cast import demo_people
from atelier.demo.world import SimulatedWorld
from atelier.planning.template import DEFAULT_TEMPLATE_KEY
from atelier.services.ateliers import AtelierCreate, create_atelier
from atelier.services.people import add_people
from models.enums import AvisForm
from notifications.catcher import MailboxHandler, MailCatcher
from notifications.dispatcher import Dispatcher
from notifications.transport import SmtpTransport

log = logging.getLogger("atelier.demo")

DEMO_SLUG = "demo-mobilites-rurales"
# Beyond the avis, the droit de suite runs a few more months; the loop stops there at most.
MAX_SIMULATED_DAYS = 400
MAX_ITERATIONS = 5000

Advance = Callable[[str, datetime], object]


@dataclass(frozen=True)
class DemoResult:
    runtime: Runtime
    slug: str
    mailbox: Path
    advances: int
    wall_seconds: float
    completed: bool


def demo_atelier(decision_date: date, template: str = DEFAULT_TEMPLATE_KEY) -> AtelierCreate:
    return AtelierCreate(
        template=template,
        slug=DEMO_SLUG,
        title="Atelier citoyen sur les mobilités dans les territoires ruraux",
        commanditaire="Ministère chargé des Transports",
        question=(
            "Quelles solutions de mobilité l'État doit-il soutenir en priorité pour les habitants "
            "des territoires ruraux ?"
        ),
        avis_form=AvisForm.PROPOSALS,
        decision_date=decision_date,
        venue="Salle des conférences, 20 avenue de Ségur, 75007 Paris",
        venue_departement="75",
        venue_access=(
            "Métro ligne 10, station Ségur ; entrée par le 20 avenue de Ségur, accueil au rez-de-chaussée"
        ),
        day_phone="01 23 45 67 89",
        hotel="Hôtel du Parc, 12 rue Éblé, 75007 Paris (nuit du samedi au dimanche)",
        online_meeting_url="https://visio.example.gouv.fr/atelier-mobilites",
        copil_meeting_place="Ministère, salle 204, ou en visioconférence",
        indemnisation_per_day_eur=80,
    )


def prepare(
    data_dir: Path,
    mailbox: Path,
    decision_date: date,
    smtp_port: int,
    *,
    template: str = DEFAULT_TEMPLATE_KEY,
) -> tuple[Runtime, SimulatedClock]:
    """A fresh demo database; the atelier (on ``template``) and its fictional people."""
    for stale in (data_dir / "atelier.db", data_dir / "atelier.db-wal", data_dir / "atelier.db-shm"):
        stale.unlink(missing_ok=True)
    shutil.rmtree(mailbox, ignore_errors=True)
    start = datetime.combine(decision_date, time(9, 0), tzinfo=PARIS)
    clock = SimulatedClock(start)
    settings = Settings(
        data_dir=data_dir,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        secret_key="demo-secret-not-for-production",  # noqa: S106 — the demo's own throwaway key
    )
    runtime = bootstrap(settings, clock=clock)
    with transaction(runtime.engine) as session:
        atelier, _ = create_atelier(
            session=session, atelier_in=demo_atelier(decision_date, template), now=clock.now()
        )
        add_people(session=session, atelier=atelier, people=demo_people(), now=clock.now())
    return runtime, clock


def simulate(
    runtime: Runtime,
    clock: SimulatedClock,
    advance: Advance,
    *,
    slug: str = DEMO_SLUG,
    until: Callable[[], bool] | None = None,
    world: SimulatedWorld | None = None,
) -> int:
    """Move simulated time from one thing to the next until the atelier is complete (or ``until``).

    ``world``: who acts, and how (by default the demo's people, through the services). Sending
    runs in a thread of its own: the caller's thread may hold an event loop (a browser test's)."""
    world = world or SimulatedWorld(runtime, clock, slug)
    dispatcher = Dispatcher(
        engine=runtime.engine,
        transport=SmtpTransport(runtime.settings),
        clock=clock,
        settings=runtime.settings,
        worker="demo",
    )
    end = clock.now() + timedelta(days=MAX_SIMULATED_DAYS)
    advances = 0
    loop = asyncio.new_event_loop()
    sender = ThreadPoolExecutor(1, thread_name_prefix="demo-dispatch")

    def drain() -> None:
        sender.submit(loop.run_until_complete, dispatcher.drain()).result()

    try:
        advance(slug, clock.now())
        advances += 1
        drain()
        for _ in range(MAX_ITERATIONS):
            if world.act():
                advance(slug, clock.now())
                advances += 1
            drain()
            if _completed(runtime, slug) or (until is not None and until()):
                break
            upcoming = world.next_time(clock.now())
            if upcoming is None or upcoming > end:
                break
            if upcoming > clock.now():
                clock.set(upcoming)
        sender.submit(loop.run_until_complete, dispatcher.transport.close()).result()
    finally:
        sender.submit(loop.close).result()
        sender.shutdown()
    return advances


def _completed(runtime: Runtime, slug: str) -> bool:
    from atelier.services.ateliers import get_atelier

    with transaction(runtime.engine) as session:
        return get_atelier(session=session, slug=slug).completed_at is not None


def run_demo(
    data_dir: Path, mailbox: Path, decision_date: date, *, advance: Advance | None = None
) -> DemoResult:
    """The whole atelier: with Prefect (the default) or with a given advance function."""
    started = wall.monotonic()
    handler = MailboxHandler(folder=mailbox)
    catcher = MailCatcher(handler)
    catcher.start()
    try:
        runtime, clock = prepare(data_dir, mailbox, decision_date, catcher.bound_port)
        if advance is not None:
            advances = simulate(runtime, clock, advance)
        else:
            advances = _simulate_with_prefect(runtime, clock, data_dir)
    finally:
        catcher.stop()
    return DemoResult(
        runtime, DEMO_SLUG, mailbox, advances, wall.monotonic() - started, _completed(runtime, DEMO_SLUG)
    )


def open_workspace(runtime: Runtime, data_dir: Path, *, port: int = 8000) -> tuple[str, str]:
    """An account for the demo's first team member, and a sign-in link for ``atelier serve --port``
    on this data folder: signed with the key, the address and the real clock that it will use."""
    from datetime import UTC

    from atelier.demo.cast import TEAM, _email
    from atelier.links import LinkSigner
    from atelier.services.accounts import SIGNIN_LINK_MAX_AGE, add_account

    address = _email(TEAM[0])
    with transaction(runtime.engine) as session:
        account = add_account(
            session=session, email=address, full_name=TEAM[0], is_admin=False, now=runtime.clock.now()
        )
        person_id = account.person_id
    from atelier.processes import public_base_url

    serving = Settings(data_dir=data_dir)
    configured = serving.public_base_url if "public_base_url" in serving.model_fields_set else None
    base_url, _warning = public_base_url(configured, host="127.0.0.1", port=port)
    signer = LinkSigner(serving.resolved_secret_key(), base_url=base_url, max_age=SIGNIN_LINK_MAX_AGE)
    return address, signer.signin_url(person_id=person_id, now=datetime.now(UTC))


def _simulate_with_prefect(runtime: Runtime, clock: SimulatedClock, data_dir: Path) -> int:
    from atelier.bootstrap import install
    from atelier.prefect_runtime import prefect_session
    from flows.lifecycle import advance_atelier

    logging.getLogger("prefect").setLevel(logging.WARNING)
    install(runtime)
    with prefect_session(data_dir):
        return simulate(runtime, clock, lambda slug, now: advance_atelier(slug=slug, now=now))
