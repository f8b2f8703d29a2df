"""Integration fixtures: a real aiosmtpd server on a free port, a real SQLite file, a simulated clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, delete

from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COMMANDITAIRE, COPIL, TEAM
from atelier.demo.run import prepare
from atelier.services.accounts import add_account
from atelier.services.ateliers import AtelierCreate, create_atelier
from atelier.services.people import add_people
from atelier.web.app import create_app
from models import (
    Membership,
)
from models.enums import (
    Role,
)
from models.person_in import validate_person
from notifications.catcher import MailboxHandler, MailCatcher
from tests.integration.cli_helpers import run
from tests.integration.helpers import (
    CITIZEN_EMAIL,
    COMMANDITAIRE_EMAIL,
    COPIL_EMAIL,
    DECISION,
    OUTSIDER_EMAIL,
    TEAM_EMAIL,
    World,
)
from tests.served import served


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[MailCatcher]:
    """A real SMTP server (aiosmtpd) on a free port, writing .eml files."""
    server = MailCatcher(MailboxHandler(folder=tmp_path / "mailbox"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def world(tmp_path: Path, catcher: MailCatcher) -> Iterator[World]:
    """The demo's atelier and fictional people, in a fresh SQLite file, at the decision date."""
    runtime, clock = prepare(tmp_path / "data", tmp_path / "mailbox", DECISION, catcher.bound_port)
    yield World(runtime, clock, catcher)
    runtime.engine.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder holding the example atelier, created with the command line."""
    from tests.integration.cli_helpers import EXAMPLE

    code, out, err = run(tmp_path, "create", "--file", str(EXAMPLE))
    assert code == 0, err
    assert "Remise de l'avis prévue le 25/04/2027" in out
    return tmp_path


@pytest.fixture
def lottery_world(world: World) -> Iterator[World]:
    """The demo atelier without its hand-typed citizens: they will come from the draw."""
    with transaction(world.runtime.engine) as session:
        session.exec(delete(Membership).where(col(Membership.role) == Role.CITIZEN.value))
    yield world


@pytest.fixture
def site(world: World) -> Iterator[str]:
    """The app over HTTP, with accounts for a team member, a COPIL member, the commanditaire, a
    citizen and the team member of another atelier."""
    now = world.clock.now()
    with transaction(world.runtime.engine) as session:
        for address, name in (
            (TEAM_EMAIL, TEAM[0]),
            (COPIL_EMAIL, COPIL[0]),
            (COMMANDITAIRE_EMAIL, COMMANDITAIRE[0]),
            (CITIZEN_EMAIL, CITIZENS[0]),
            (OUTSIDER_EMAIL, "Zoé Autre"),
        ):
            add_account(session=session, email=address, full_name=name, is_admin=False, now=now)
        other, _ = create_atelier(
            session=session,
            atelier_in=AtelierCreate(
                slug="autre-atelier",
                title="Un autre atelier",
                commanditaire="Ministère chargé de la Santé",
                question="Quelle prévention ?",
                decision_date=world.clock.now().date(),
            ),
            now=now,
        )
        person = validate_person(
            {"full_name": "Zoé Autre", "email": OUTSIDER_EMAIL, "roles": "équipe projet"}
        )
        add_people(session=session, atelier=other, people=[person], now=now)
    with served(create_app(world.runtime)) as url:
        yield url
