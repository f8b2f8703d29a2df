"""Failures contained and shown: a bad address or message fails alone, and an atelier that cannot
advance shows on its page, in the portfolio, on /sante and in the metrics, with one alert to the team."""

from __future__ import annotations

import html
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from atelier.db import transaction
from atelier.demo.cast import COPIL, _email
from atelier.demo.run import prepare
from atelier.planning.template import TEMPLATES_DIR_VARIABLE
from atelier.services.ateliers import get_atelier
from atelier.services.people import add_people
from atelier.services.timeline import record_step_done
from atelier.turns import advance_in_turn
from flows.lifecycle import advance_without_prefect
from models import OutboxMessage, Person
from models.enums import OutboxStatus
from models.person_in import validate_person
from notifications.catcher import MailCatcher
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import (
    DECISION,
    TEAM_EMAIL,
    World,
    csrf_of,
    http_client,
    sign_in,
    template_copy,
)

ACCENTED = "jérôme@exemple.fr"


def _ready_for_the_copil(world: World) -> None:
    """The first steps done, an hour later: the COPIL is convened and asked."""
    now = world.clock.now()
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        for step in ("reunion_demande", "cahier_des_charges", "copil_constitue"):
            record_step_done(session=session, atelier=atelier, step_key=step, done_at=now, actor="t", now=now)
    world.clock.set(now + timedelta(hours=1))


def _free_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _failing(slug: str, now: object) -> None:
    raise RuntimeError("the database refused a write")


def test_an_atelier_that_cannot_advance_shows_everywhere_and_alerts_the_team_once(
    world: World, site: str
) -> None:
    """Advancing raises twice: one alert to the team, a banner on the atelier's page, « en retard »
    with the incident in the portfolio, /sante degraded with the count, the metric at 1; the next
    advance that succeeds clears them all."""
    for _ in range(2):
        with pytest.raises(RuntimeError):
            advance_in_turn(world.runtime, world.slug, _failing)
    with transaction(world.runtime.engine) as session:
        alerts = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "team_advance_failed")).all()
    assert len(alerts) == 1 and "ne progresse plus" in alerts[0].subject
    with http_client(site) as http:
        assert http.get("/sante").json()["ateliers_stuck"] == 1
        assert http.get("/sante").json()["status"] == "degraded"
        assert "atelier_ateliers_stuck 1.0" in http.get("/metrics").text
        sign_in(world, http, TEAM_EMAIL)
        page = html.unescape(http.get(f"/espace/{world.slug}").text)
        assert "Cet atelier ne progresse plus depuis le" in page and "RuntimeError" in page
        portfolio = html.unescape(http.get("/espace").text)
        assert "un incident technique l'arrête" in portfolio
        advance_in_turn(world.runtime, world.slug, lambda s, n: advance_without_prefect(world.runtime, s, n))
        assert http.get("/sante").json()["ateliers_stuck"] == 0
        assert "ne progresse plus" not in html.unescape(http.get(f"/espace/{world.slug}").text)


def test_an_accented_address_already_recorded_stops_nothing(world: World) -> None:
    """A COPIL member whose recorded address has an accent before « @ » (from before the rule): the
    atelier advances, every other member gets their convocation, and theirs goes through the relay's
    SMTPUTF8."""
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        member = validate_person({"full_name": "Jérôme Test", "email": "jerome@exemple.fr", "roles": "copil"})
        add_people(session=session, atelier=atelier, people=[member], now=world.clock.now())
        person = session.exec(select(Person).where(Person.email == "jerome@exemple.fr")).one()
        person.email = ACCENTED  # as an older release let it in
        session.add(person)
    _ready_for_the_copil(world)
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))
    convened = " ".join(str(m["To"]) for m in world.emails() if m["Subject"].startswith("Convocation"))
    assert all(address in convened for address in [*(_email(name) for name in COPIL), ACCENTED]), convened


def test_an_accented_address_is_refused_where_it_is_typed(world: World, site: str) -> None:
    """The people form refuses it with one French line naming the address, and writes nothing."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/personnes")
        refused = http.post(
            f"/espace/{world.slug}/personnes/ajouter",
            data={"csrf": csrf_of(page), "nom": "Jérôme Test", "email": ACCENTED, "role": "garant"},
        )
    assert refused.status_code == 400
    assert f"« {ACCENTED} » contient des lettres accentuées avant « @ »" in html.unescape(refused.text)
    with transaction(world.runtime.engine) as session:
        assert session.exec(select(Person).where(Person.email == ACCENTED)).first() is None


def test_a_message_that_cannot_be_written_fails_alone(
    tmp_path: Path, catcher: MailCatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instance's template names a message whose text does not exist: those messages are shown
    failed, with the reason in French, and the COPIL's decision requests still go."""

    def convocation_without_text(data: dict[str, Any]) -> None:
        for rule in data["messages"]:
            if rule["key"] == "copil_convocations":
                rule["kind"] = "convocation_sans_texte"

    monkeypatch.setenv(TEMPLATES_DIR_VARIABLE, str(tmp_path / "modeles"))
    key = template_copy(tmp_path / "modeles", "atelier_citoyen_convocation", convocation_without_text)
    runtime, clock = prepare(
        tmp_path / "data", tmp_path / "mailbox", DECISION, catcher.bound_port, template=key
    )
    world = World(runtime, clock, catcher)
    _ready_for_the_copil(world)
    advance_without_prefect(runtime, world.slug, clock.now())
    drain(dispatcher_for(runtime))
    with transaction(runtime.engine) as session:
        unwritten = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.kind) == "convocation_sans_texte")
        ).all()
    assert unwritten and all(m.status is OutboxStatus.FAILED for m in unwritten)
    assert "n'a pas pu être rédigé" in (unwritten[0].last_error or "")
    assert any(m["Subject"].startswith("Décision attendue") for m in world.emails()), [
        m["Subject"] for m in world.emails()
    ]
    runtime.engine.dispose()


def test_serve_with_an_unreachable_prefect_says_so_in_one_french_line(tmp_path: Path) -> None:
    """`atelier serve` with PREFECT_API_URL naming a server that does not answer: one French line
    saying what to do and a failure exit, at once (not a traceback, then serving regardless)."""
    env = {**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{_free_port()}/api", "DO_NOT_TRACK": "1"}
    command = [sys.executable, "-m", "atelier.cli.main", "--data-dir", str(tmp_path), "serve", "--no-catcher",
               "--port", str(_free_port())]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0 and "Traceback" not in done.stdout + done.stderr
    assert "le serveur Prefect indiqué par PREFECT_API_URL" in done.stderr and "ne répond pas" in done.stderr
