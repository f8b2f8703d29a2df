"""People who take part in several ateliers (a COPIL member of two): each atelier sends them its own
messages and asks its own gates; on SQLite and, in its pass, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlmodel import col, select

from atelier.bootstrap import Runtime, bootstrap
from atelier.clock import PARIS, SimulatedClock
from atelier.config import Settings
from atelier.db import alembic_config, migrate, transaction
from atelier.demo.cast import COPIL, _email, demo_people
from atelier.demo.run import demo_atelier
from atelier.services.ateliers import create_atelier, get_atelier
from atelier.services.people import add_people
from atelier.services.timeline import record_step_done
from flows.lifecycle import advance_without_prefect
from models import Gate, OutboxMessage
from models.enums import GateStatus, OutboxStatus
from models.types import pk
from notifications.catcher import MailCatcher
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import DECISION, parse

SLUGS = ("mobilites", "sante")


@pytest.fixture
def two_ateliers(tmp_path: Path, database_url: str | None, catcher: MailCatcher) -> Iterator[Runtime]:
    """Two ateliers of one instance with the same people in them (the demo's cast)."""
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, smtp_port=catcher.bound_port,
        secret_key="test-secret",
    )  # fmt: skip
    clock = SimulatedClock(datetime.combine(DECISION, time(9, 0), tzinfo=PARIS))
    runtime = bootstrap(settings, clock=clock)
    with transaction(runtime.engine) as session:
        for slug in SLUGS:
            atelier_in = demo_atelier(DECISION).model_copy(update={"slug": slug, "title": f"Atelier {slug}"})
            atelier, _ = create_atelier(session=session, atelier_in=atelier_in, now=clock.now())
            add_people(session=session, atelier=atelier, people=demo_people(), now=clock.now())
    yield runtime
    runtime.engine.dispose()


def _advance_both(runtime: Runtime) -> None:
    for slug in SLUGS:
        report = advance_without_prefect(runtime, slug, runtime.clock.now())
        assert report is not None


def _ready_for_the_copil(runtime: Runtime) -> None:
    """The first steps done in both ateliers, an hour later: the COPIL is convened and asked."""
    now = runtime.clock.now()
    with transaction(runtime.engine) as session:
        for slug in SLUGS:
            atelier = get_atelier(session=session, slug=slug)
            for step in ("reunion_demande", "cahier_des_charges", "copil_constitue"):
                record_step_done(
                    session=session, atelier=atelier, step_key=step, done_at=now, actor="test", now=now
                )
    runtime.clock.set(now + timedelta(hours=1))  # type: ignore[attr-defined]


def test_two_ateliers_sharing_their_copil_both_ask_their_gates_and_send_every_message(
    two_ateliers: Runtime, catcher: MailCatcher
) -> None:
    """A COPIL member of two ateliers gets each atelier's invitations and decision requests."""
    runtime = two_ateliers
    _advance_both(runtime)
    _ready_for_the_copil(runtime)
    _advance_both(runtime)
    assert drain(dispatcher_for(runtime)) > 0
    with transaction(runtime.engine) as session:
        gates = session.exec(select(Gate).where(Gate.key == "cahier_des_charges_valide")).all()
        assert [g.status for g in gates] == [GateStatus.OPEN, GateStatus.OPEN]
        unsent = session.exec(select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT)).all()
        assert [m.kind for m in unsent if m.due_at <= runtime.clock.now()] == []
    member = _email(COPIL[0])
    received = [parse(m) for m in catcher.mailbox.messages]
    requests = [
        m["Subject"] for m in received if member in m["To"] and "Validation du cahier" in m["Subject"]
    ]
    invitations = [m["Subject"] for m in received if member in m["To"] and "COPIL n°1" in m["Subject"]]
    assert len(requests) == 2 and len(invitations) == 2, (requests, invitations)


def _outbox(runtime: Runtime) -> dict[int, tuple[str, OutboxStatus]]:
    with transaction(runtime.engine) as session:
        return {pk(m): (m.key, m.status) for m in session.exec(select(OutboxMessage)).all()}


def test_upgrade_from_the_last_release_sends_nothing_again_and_loses_nothing(
    two_ateliers: Runtime, catcher: MailCatcher
) -> None:
    """Messages sent under the last release's keys are recognised after the upgrade: the first atelier
    queues nothing again, and the second, which shares its people, now queues its own."""
    runtime = two_ateliers
    _ready_for_the_copil(runtime)
    advance_without_prefect(runtime, SLUGS[0], runtime.clock.now())
    drain(dispatcher_for(runtime))
    config = alembic_config(runtime.engine)
    command.downgrade(config, "0023")  # the last release's schema and keys
    before = _outbox(runtime)
    assert before and [k for k, _ in before.values() if not k.startswith(("p", "team|a1|"))] == []
    received = len(catcher.mailbox.messages)
    migrate(runtime.engine)
    _advance_both(runtime)
    drain(dispatcher_for(runtime))
    after = _outbox(runtime)
    assert {i: after[i] for i in before} == {
        i: (key if key.startswith("team") else f"a1|{key}", s) for i, (key, s) in before.items()
    }
    with transaction(runtime.engine) as session:
        first, second = (get_atelier(session=session, slug=slug) for slug in SLUGS)
        new = session.exec(select(OutboxMessage).where(col(OutboxMessage.id).not_in(before))).all()
    assert new and {m.atelier_id for m in new} == {second.id} != {first.id}
    assert len(catcher.mailbox.messages) - received == sum(m.status is OutboxStatus.SENT for m in new)
