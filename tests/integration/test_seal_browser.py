"""The seal in a real Chromium, with the engine as `atelier serve` runs it (its seal thread, a
Prefect flow run): the page returns at once, follows the search's progress, survives a reload, and
offers the draw once the seal has ended."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from atelier.bootstrap import install
from atelier.db import transaction
from atelier.demo.cast import TEAM
from atelier.serve import EngineWorker, build_app
from atelier.services.accounts import add_account
from atelier.services.ateliers import get_atelier
from atelier.services.recruitment import set_quotas
from atelier.web.deps import SESSION_COOKIE
from bench.lottery import SEVEN, population_quotas, volunteer_pool
from flows.lifecycle import advance_without_prefect
from models import Volunteer
from tests.integration.helpers import TEAM_EMAIL, World, http_client, sign_in, until_open
from tests.integration.recruitment_helpers import approve_copil_1
from tests.served import served

pytestmark = [pytest.mark.browser, pytest.mark.prefect]

SCREENSHOTS = Path("test-artifacts/screenshots/scellement")
VOLUNTEERS, PANEL = 1_500, 35  # seven criteria, quotas ±1: a search of over a minute, stopped at the limit
LIMIT_SECONDS = 10.0


def _large_pool(world: World) -> None:
    """1,500 volunteers on seven criteria (as `python -m bench lottery` draws them), the
    population's quotas ±1, approved by COPIL n°1."""
    pool = volunteer_pool(VOLUNTEERS, random.Random(7), SEVEN)
    now = world.clock.now()
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        quotas = list(population_quotas(PANEL, 1, SEVEN))
        set_quotas(session=session, atelier=atelier, quotas=quotas, now=now, actor="test")
        for i, features in enumerate(pool.features, start=1):
            session.add(
                Volunteer(
                    atelier_id=atelier.id or 0,
                    reference=f"V{i:05d}",
                    full_name=f"Volontaire {i}",
                    email=f"volontaire{i}@exemple.fr",
                    features=dict(zip(pool.categories, features, strict=True)),
                    registered_at=now,
                )
            )
        add_account(session=session, email=TEAM_EMAIL, full_name=TEAM[0], is_admin=False, now=now)
    until_open(world, "copil_1")
    approve_copil_1(world)


@pytest.fixture
def engine_site(lottery_world: World, prefect_api: str) -> Iterator[str]:
    """The app with its engine and dispatcher, as `atelier serve` wires them, over HTTP."""
    from flows.sealing import seal_lottery_run

    runtime = install(lottery_world.runtime)
    runtime.settings.lottery_max_seconds = LIMIT_SECONDS
    worker = EngineWorker(
        runtime,
        lambda slug, now: advance_without_prefect(runtime, slug, now),
        api_url=prefect_api,
        seal=lambda slug: seal_lottery_run(slug=slug),
    )
    with served(build_app(runtime, worker)) as url:
        yield url


def test_the_seal_returns_at_once_shows_its_progress_and_then_offers_the_draw(
    lottery_world: World, engine_site: str, page: Page
) -> None:
    """Pressing « Sceller » answers before the search has ended; the page shows rounds and the
    smallest probability while the engine searches, keeps them after a reload, then reloads by
    itself with the commitment, the honest stop, and the draw form."""
    world = lottery_world
    _large_pool(world)
    with http_client(engine_site) as http:
        sign_in(world, http, TEAM_EMAIL)
        cookie = http.cookies[SESSION_COOKIE]
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": engine_site}])
    page.goto(f"{engine_site}/espace/{world.slug}/recrutement")
    page.fill("#taille", str(PANEL))
    pressed = time.monotonic()
    page.get_by_role("button", name="Sceller le tirage", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Scellement demandé")
    answered = time.monotonic() - pressed
    assert answered < LIMIT_SECONDS / 2, answered  # the page did not wait for the search
    status = page.locator("#scellement")
    expect(status).to_contain_text("tours de recherche", timeout=LIMIT_SECONDS * 1000)
    expect(status).to_contain_text("plus faible probabilité")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / "en-cours-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    violations = [v["id"] for v in Axe().run(page).response["violations"]]
    assert violations == [], violations
    page.reload()
    expect(page.locator("#scellement")).to_contain_text("calcul en cours depuis")
    expect(page.get_by_role("button", name="Tirer le panel")).to_be_visible(timeout=90_000)
    expect(page.locator("main")).to_contain_text("La recherche a été arrêtée à la limite de temps fixée")
    page.fill("#graine", "3 14 15 92 65")
    page.get_by_role("button", name="Tirer le panel").click()
    expect(page.locator("main")).to_contain_text(f"Panel ({PANEL})")
