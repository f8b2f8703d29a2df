"""The workspace in a real Chromium: signing in through the e-mail that reached the SMTP server,
reading the Gantt chart, recording a step; axe-core finds no accessibility violation on any page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from atelier.db import transaction
from atelier.demo.cast import COPIL, TEAM, _email
from atelier.services.accounts import add_account
from atelier.web.app import create_app
from tests.integration.conftest import World
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.served import served

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-artifacts/screenshots")


@pytest.fixture
def site(world: World) -> Iterator[str]:
    with transaction(world.runtime.engine) as session:
        for name in (TEAM[0], COPIL[0]):
            add_account(
                session=session, email=_email(name), full_name=name, is_admin=False, now=world.clock.now()
            )
    with served(create_app(world.runtime)) as url:
        yield url


def _deliver(world: World) -> None:
    # Playwright's sync API keeps an event loop in this thread; the dispatcher runs its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(drain, dispatcher_for(world.runtime)).result()


def _link_in_mailbox(world: World, address: str) -> str:
    for message in reversed(world.emails()):
        if message["To"].addresses[0].addr_spec == address:
            body = message.get_body(("plain",))
            assert body is not None
            found = re.search(r"https?://\S+/connexion/\S+", body.get_content())
            assert found
            return found.group(0)
    raise AssertionError(f"no sign-in e-mail for {address}")


def _accessible(page: Page, name: str) -> None:
    """axe-core on the page as shown: no violation of any impact; a screenshot kept for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    violations = [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]]
    assert violations == [], violations


def _sign_in(world: World, site: str, page: Page, address: str) -> None:
    page.goto(f"{site}/connexion")
    _accessible(page, "connexion")
    page.get_by_label("Adresse e-mail").fill(address)
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    expect(page.get_by_role("status")).to_contain_text("un lien de connexion valable 15 minutes")
    _deliver(world)
    link = _link_in_mailbox(world, address)
    page.goto(link.replace(world.runtime.settings.public_base_url.rstrip("/"), site))
    _accessible(page, "connexion-lien")
    page.get_by_role("button", name="Me connecter").click()


def test_a_team_member_signs_in_reads_the_gantt_and_records_a_step(
    world: World, site: str, page: Page
) -> None:
    """From the e-mail to the recorded step, through the pages a team member uses, all accessible."""
    _sign_in(world, site, page, _email(TEAM[0]))
    expect(page.get_by_role("heading", name="Ateliers")).to_be_visible()
    _accessible(page, "ateliers")
    page.get_by_role("link", name="Atelier citoyen sur les mobilités dans les territoires ruraux").click()
    expect(page.get_by_role("img", name="Calendrier de l'atelier")).to_be_visible()
    expect(page.locator('[data-etape="weekend_1"] rect.prevision')).to_have_count(1)
    _accessible(page, "atelier")
    page.get_by_role("link", name=re.compile("^Réunion de travail de la demande")).click()
    _accessible(page, "etape")
    page.get_by_role("button", name=re.compile("Enregistrer « Réunion")).click()
    expect(page.get_by_role("status")).to_contain_text("L'étape est enregistrée")
    expect(page.locator("#etape-reunion_demande")).to_contain_text("faite")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()


def test_a_copil_member_reads_the_atelier_but_cannot_record(world: World, site: str, page: Page) -> None:
    """A COPIL member sees the chart and the steps, without any link to record one."""
    _sign_in(world, site, page, _email(COPIL[0]))
    page.goto(f"{site}/espace/{world.slug}")
    expect(page.get_by_role("img", name="Calendrier de l'atelier")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Réunion de travail de la demande"))).to_have_count(0)
    _accessible(page, "atelier-copil")
