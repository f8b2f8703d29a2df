"""An atelier run from its creation to the published answers in Chromium, without the command line:
an administrator creates it and its details and adds a team member, who is invited by e-mail,
signs in, imports the people, the quotas and the volunteers; COPIL members and citizens decide and
answer by the links of their e-mails; the team records each step, the draw, a replacement, the
avis and the answers. At the end the demo's checks hold for it; every kind of page met is kept as
screenshots (test-artifacts/screenshots/lifecycle/), none scrolls sideways at 375 px, axe finds
nothing."""

from __future__ import annotations

import email
import email.policy
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FilePayload, Page
from rich.console import Console
from sqlmodel import select

from atelier.bootstrap import Runtime, bootstrap
from atelier.clock import PARIS, SimulatedClock
from atelier.config import Settings
from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COPIL, TEAM, _email, demo_people
from atelier.demo.report import print_report
from atelier.demo.run import simulate
from atelier.services.accounts import add_account
from atelier.web.app import create_app
from flows.lifecycle import advance_without_prefect
from models import Event
from models.enums import Role
from notifications.catcher import MailboxHandler, MailCatcher
from tests.e2e.browser_team import BrowserWorld, Ui
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.recruitment_helpers import QUOTAS, registrations
from tests.served import served

pytestmark = pytest.mark.browser

ADMIN = ("Ada Martin", "ada.martin@example.org")
NEWCOMER = TEAM[1]  # added in the browser by the administrator, invited by e-mail
SHOTS = Path("test-artifacts/screenshots/lifecycle")
START = datetime(2027, 1, 11, 9, 0, tzinfo=PARIS)
DETAILS = {
    "#venue_access": "Métro ligne 10, station Ségur ; accueil au rez-de-chaussée",
    "#hotel": "Hôtel du Parc, 12 rue Éblé, 75007 Paris (nuit du samedi au dimanche)",
    "#day_phone": "01 23 45 67 89",
    "#online_meeting_url": "https://visio.example.gouv.fr/atelier-mobilites",
    "#copil_meeting_place": "Ministère, salle 204, ou en visioconférence",
    "#indemnisation_per_day_eur": "86",
}


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[tuple[Runtime, SimulatedClock, Path]]:
    """A fresh instance: an empty database, a mail catcher writing .eml files, the first
    administrator (the one step the README gives to the command line: « atelier compte ajouter »)."""
    mailbox = tmp_path / "mailbox"
    catcher = MailCatcher(MailboxHandler(folder=mailbox))
    catcher.start()
    clock = SimulatedClock(START)
    settings = Settings(
        data_dir=tmp_path / "data", smtp_host="127.0.0.1", smtp_port=catcher.bound_port, secret_key="test"
    )
    runtime = bootstrap(settings, clock=clock)
    with transaction(runtime.engine) as session:
        add_account(session=session, email=ADMIN[1], full_name=ADMIN[0], is_admin=True, now=clock.now())
    try:
        yield runtime, clock, mailbox
    finally:
        catcher.stop()
        runtime.engine.dispose()


def _sheet(name: str, lines: list[str]) -> FilePayload:
    """A file as Excel saves it in France: CSV, semicolons, Windows-1252."""
    return FilePayload(name=name, mimeType="text/csv", buffer="\r\n".join(lines).encode("cp1252"))


def test_a_team_runs_an_atelier_from_creation_to_the_published_answers_in_the_browser(
    instance: tuple[Runtime, SimulatedClock, Path], page: Page, browser: Browser
) -> None:
    """Creation, details, team, invitation and sign-in, people, quotas and volunteers, decisions
    by link, every step, the draw and a replacement, the avis and its answers, all in the browser:
    the atelier completes, the demo's checks pass, no page is too wide or fails axe."""
    runtime, clock, mailbox = instance
    SHOTS.mkdir(parents=True, exist_ok=True)
    sender = ThreadPoolExecutor(1)  # sending runs its own event loop, not in the browser's thread

    def link_received(address: str, subject: str) -> str:
        """The first link of the last message of that subject this address received."""
        sender.submit(lambda: drain(dispatcher_for(runtime))).result()
        for path in sorted(mailbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"].addresses[0].addr_spec == address and str(message["Subject"]).startswith(
                subject
            ):
                body = message.get_body(("plain",))
                assert body is not None
                found = re.search(r"https?://\S+", body.get_content())
                assert found is not None
                return found.group(0).replace(runtime.settings.public_base_url, site)
        raise AssertionError(f"no « {subject} » for {address}")

    with served(create_app(runtime)) as site:
        admin = Ui(page, site, runtime, SHOTS)
        admin.sign_in(ADMIN[1], lambda: link_received(ADMIN[1], "Votre lien de connexion"))

        # The administrator creates the atelier, then its practical details.
        admin.go("/espace/nouvel-atelier")
        admin.page.fill("#title", "Atelier citoyen sur les mobilités rurales")
        admin.page.fill("#commanditaire", "Ministère chargé des Transports")
        admin.page.fill("#question", "Quelles solutions de mobilité l'État doit-il soutenir en priorité ?")
        admin.page.fill("#decision_date", START.date().isoformat())
        admin.page.fill("#venue_departement", "75")
        admin.page.fill("#venue", "Salle des conférences, 20 avenue de Ségur, 75007 Paris")
        admin.page.fill("#slug", "mobilites-rurales")
        admin.submit("Créer l'atelier et planifier son calendrier")
        slug = "mobilites-rurales"
        admin.go(f"/espace/{slug}/modifier")
        for selector, value in DETAILS.items():
            admin.page.fill(selector, value)
        assert "Les informations de l'atelier sont enregistrées." in admin.submit(
            "Enregistrer les modifications"
        )

        # The administrator adds a team member, who is invited by e-mail and signs in.
        admin.go(f"/espace/{slug}/personnes")
        admin.page.fill("#nom", NEWCOMER)
        admin.page.fill("#email", _email(NEWCOMER))
        admin.page.select_option("#role", "équipe projet")
        assert "La personne est ajoutée à l'atelier." in admin.submit("Ajouter")
        advance_without_prefect(runtime, slug, clock.now())  # the engine, as `atelier serve` runs it
        invited = link_received(_email(NEWCOMER), "Votre accès à l'espace de travail")
        assert invited == f"{site}/connexion"
        team = Ui(browser.new_context().new_page(), site, runtime, SHOTS, kinds_seen=admin.kinds_seen)
        team.sign_in(_email(NEWCOMER), lambda: link_received(_email(NEWCOMER), "Votre lien de connexion"))

        # The team imports the people (citizens will be drawn), the quotas and the volunteers.
        people = [p for p in demo_people() if Role.CITIZEN not in p.roles and p.full_name != NEWCOMER]
        rows = [f"{p.full_name};{p.email};{p.roles[0].value};{p.organisation or ''}" for p in people]
        team.go(f"/espace/{slug}/personnes/import")
        team.page.set_input_files(
            "#fichier", files=_sheet("personnes.csv", ["Nom;E-mail;Rôle;Organisation", *rows])
        )
        team.submit("Voir l'aperçu")
        assert "personnes importées" in team.submit(f"Importer ces {len(people)} personnes")
        team.go(f"/espace/{slug}/recrutement")
        quotas = [f"{q.category};{q.value};{q.min};{q.max}" for q in QUOTAS]
        team.page.set_input_files(
            "#fichier-quotas", files=_sheet("quotas.csv", ["Critère;Valeur;Min;Max", *quotas])
        )
        team.submit("Enregistrer les quotas")
        team.page.set_input_files(
            "#fichier-vivier",
            files=FilePayload(name="inscriptions.csv", mimeType="text/csv", buffer=registrations()),
        )
        assert "60 volontaires ajoutés au vivier" in team.submit("Ajouter au vivier")

        # Months: COPIL members and citizens act by their links, the team in its pages.
        guest = Ui(browser.new_context().new_page(), site, runtime, SHOTS, kinds_seen=admin.kinds_seen)
        world = BrowserWorld(runtime, clock, slug, team=team, guest=guest)
        simulate(
            runtime, clock, lambda s, now: advance_without_prefect(runtime, s, now), slug=slug, world=world
        )

        public = guest.page.goto(f"{site}/public/{slug}")
        assert public is not None and public.status == 200
        shown = guest.page.inner_text("main")
    sender.shutdown()
    report = io.StringIO()
    failures = print_report(Console(file=report, width=200), runtime, slug, mailbox)
    assert failures == [], report.getvalue()
    assert "Proposition n°2 : Un forfait mobilité rurale" in shown and "non retenue" in shown
    assert not [name for name in (*CITIZENS, *COPIL) if name in shown]
    with transaction(runtime.engine) as session:
        kinds = {e.kind for e in session.exec(select(Event)).all()}
    assert {"panel_drawn", "replacement_approved", "avis_published", "answers_published"} <= kinds
    every = {**admin.wide, **team.wide, **guest.wide}, {**admin.axe, **team.axe, **guest.axe}
    assert every == ({}, {})
