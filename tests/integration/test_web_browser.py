"""The decision page in a real Chromium: what a COPIL member sees and what the browser lets them do."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import COPIL
from atelier.web.app import create_app
from models import Decision
from models.enums import DecisionOutcome
from tests.integration.helpers import World, decision_token_of, until_open
from tests.served import served, snapshot

pytestmark = pytest.mark.browser

GATE = "cahier_des_charges_valide"


@pytest.fixture
def base_url_of(world: World) -> Iterator[str]:
    """The link pages served over HTTP for the browser, the gate open."""
    # Playwright's sync API keeps an event loop running in this thread; the simulation runs its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(until_open, world, GATE).result()
    with served(create_app(world.runtime)) as url:
        yield url


def _decisions(world: World) -> list[Decision]:
    with transaction(world.runtime.engine) as session:
        return list(session.exec(select(Decision)).all())


def test_send_back_needs_a_comment_in_the_browser(world: World, base_url_of: str, page: Page) -> None:
    """« Renvoyer pour reprise » with an empty reason is stopped by the browser; with one, it is recorded."""
    page.goto(f"{base_url_of}/decision/{decision_token_of(world, COPIL[0], GATE, 1)}")
    expect(page.get_by_role("heading", name="Décision du comité de pilotage")).to_be_visible()
    # The stylesheet loads under the Content-Security-Policy (DSFR-like blue title).
    expect(page.locator("h1")).to_have_css("color", "rgb(0, 0, 145)")
    before = snapshot(world.runtime.engine)
    page.get_by_role("button", name="Renvoyer pour reprise").click()
    reason = page.get_by_label("Motif du renvoi (obligatoire)")
    assert reason.evaluate("element => !element.validity.valid")
    expect(page.get_by_role("button", name="Renvoyer pour reprise")).to_be_visible()  # still on the page
    assert snapshot(world.runtime.engine) == before
    reason.fill("Le budget doit être précisé.")
    page.get_by_role("button", name="Renvoyer pour reprise").click()
    expect(page.get_by_text("Votre décision est enregistrée : renvoyé pour reprise.")).to_be_visible()
    (decision,) = _decisions(world)
    assert (
        decision.outcome is DecisionOutcome.SEND_BACK and decision.comment == "Le budget doit être précisé."
    )


def test_reject_is_confirmed_before_it_halts_the_atelier(world: World, base_url_of: str, page: Page) -> None:
    """« Rejeter… » asks to confirm first; going back records nothing; confirming records it."""
    url = f"{base_url_of}/decision/{decision_token_of(world, COPIL[1], GATE, 1)}"
    page.goto(url)
    page.get_by_label("Motif du rejet (facultatif)").fill("Hors du champ de la saisine.")
    page.get_by_role("button", name="Rejeter…").click()
    expect(page.get_by_role("alert")).to_contain_text("Un rejet arrête l'atelier citoyen")
    assert _decisions(world) == []
    page.get_by_role("button", name="Revenir à la décision").click()
    expect(page.get_by_role("button", name="Approuver")).to_be_visible()
    assert _decisions(world) == []
    page.get_by_role("button", name="Rejeter…").click()
    page.get_by_role("button", name="Je confirme le rejet").click()
    expect(page.get_by_text("Votre décision est enregistrée : rejeté.")).to_be_visible()
    (decision,) = _decisions(world)
    assert decision.outcome is DecisionOutcome.REJECT
