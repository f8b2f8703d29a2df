"""Every workspace page of a finished atelier, reached by following links from the portfolio as a team
member would: none scrolls sideways at 375 px, none writes « 3 message » or « jour(s) », axe finds
nothing; screenshots at 1280 and 375 px are kept in test-artifacts/screenshots/pages/."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from atelier.db import transaction
from atelier.demo.cast import TEAM, _email
from atelier.demo.run import simulate
from atelier.services.accounts import add_account
from atelier.web.app import create_app
from flows.lifecycle import advance_without_prefect
from tests.integration.helpers import PARAMS, World, http_client, sign_in, workspace_routes
from tests.served import served

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-artifacts/screenshots/pages")
PHONE, DESKTOP = 375, 1280
# Nouns and participles the pages count, in the singular: after 2 or more they must agree.
SINGULARS = {
    "message", "personne", "jour", "citoyen", "citoyenne", "réponse", "décision", "membre", "volontaire",
    "événement", "envoyé", "programmé", "annulé", "étape", "place", "proposition", "document", "compte",
    "atelier", "semaine", "heure", "minute", "quota", "réserviste", "tiré", "inscrit", "ligne",
    "question", "session", "appréciation", "remplacement", "invitation", "relance", "rappel", "tour",
    "participant", "expert", "critère", "valeur", "foyer", "doublon", "écarté", "ajouté", "retenu",
}  # fmt: skip
COUNTED = re.compile(r"(?<![\d,.:/h-])(\d{1,3}(?:[\u202f\xa0 ]\d{3})*) ([a-zéèêàç]+)\b")
# Files: their links must be there, they are not opened as pages.
DOWNLOAD = re.compile(r"/export/|/documents/|/rapport[.-]|/html$")
# Reached otherwise: a document once the team attaches one; the lottery's report once a panel is
# drawn (the demo imports its citizens; test_workspace_recruitment follows those links).
NOT_LINKED = {
    "/espace/{slug}/documents/{document_id}",
    "/espace/{slug}/recrutement/rapport",
    "/espace/{slug}/recrutement/rapport{suffix}",
    # Fetched by htmx while a seal runs, not linked: test_seal_browser.py shows it in Chromium.
    "/espace/{slug}/recrutement/scellement",
}


def _agreement_slips(text: str) -> list[str]:
    """« 3 message », « 0 messages », « jour(s) »: the counts a careful writer would not leave."""
    slips = [m.group(0) for m in re.finditer(r"\w\(s\)", text)]
    for match in COUNTED.finditer(text):
        number = int(re.sub(r"\D", "", match.group(1)))
        word = match.group(2)
        if number >= 2 and word in SINGULARS:
            slips.append(match.group(0))
        if number < 2 and word.endswith("s") and word[:-1] in SINGULARS:
            slips.append(match.group(0))
    return slips


def _pattern(path: str, routes: list[str]) -> str | None:
    for route in routes:
        if re.fullmatch(re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(route)), path):
            return route
    return None


@pytest.fixture
def finished(world: World) -> Iterator[str]:
    """The demo's atelier run to its end (plain calls, simulated time), served, a team account."""
    # In a thread: Playwright's sync API keeps an event loop in this one, the simulation runs its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(
            simulate,
            world.runtime,
            world.clock,
            lambda slug, now: advance_without_prefect(world.runtime, slug, now),
        ).result()
    with transaction(world.runtime.engine) as session:
        add_account(
            session=session, email=_email(TEAM[0]), full_name=TEAM[0], is_admin=True, now=world.clock.now()
        )
    with served(create_app(world.runtime)) as url:
        yield url


def _crawl(http: httpx.Client, site: str, routes: list[str]) -> tuple[dict[str, str], set[str]]:
    """From /espace, every link followed (three addresses per route at most): the first address of
    each route, and every route some page links to (downloads included, not opened)."""
    first: dict[str, str] = {}
    linked: set[str] = set()
    per_route: Counter[str] = Counter()
    queue, seen = ["/espace"], {"/espace"}
    while queue:
        path = queue.pop(0)
        answer = http.get(path)
        assert answer.status_code == 200, path
        for href in re.findall(r'(?:href|src)="([^"#]+)"', answer.text):
            target = urlsplit(urljoin(site + path, html.unescape(href)))
            if f"{target.scheme}://{target.netloc}" != site or not target.path.startswith("/espace"):
                continue
            route = _pattern(target.path, routes)
            if route is None:
                continue
            linked.add(route)
            address = target.path + (f"?{target.query}" if target.query else "")
            if DOWNLOAD.search(target.path) or address in seen or per_route[route] >= 3:
                continue
            per_route[route] += 1
            first.setdefault(route, address)
            seen.add(address)
            queue.append(address)
    return first, linked


def test_every_page_is_linked_and_reads_on_a_phone_and_a_desktop(
    world: World, finished: str, page: Page
) -> None:
    """Following links from /espace reaches every page and file of the workspace; no page is wider
    than 375 px, none has an agreement slip, axe finds nothing."""
    site = finished
    placeholders = {name: "{" + name + "}" for name in PARAMS}
    routes = sorted({path for method, path in workspace_routes(world, **placeholders) if method == "GET"})
    with http_client(site) as http:
        sign_in(world, http, _email(TEAM[0]))
        chosen, linked = _crawl(http, site, routes)
        cookies = [{"name": c.name, "value": c.value or "", "url": site} for c in http.cookies.jar]
    assert sorted(set(routes) - linked - NOT_LINKED) == []
    page.context.add_cookies(cookies)  # type: ignore[arg-type]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide: dict[str, int] = {}
    slips: dict[str, list[str]] = {}
    violations: dict[str, list[tuple[str, int]]] = {}
    for route, address in sorted(chosen.items()):
        name = re.sub(r"[^a-z0-9]+", "-", route.replace("/espace/{slug}", "atelier")).strip("-")
        for width in (DESKTOP, PHONE):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(site + address)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > PHONE:
            wide[address] = scroll
        found = _agreement_slips(page.inner_text("body"))
        if found:
            slips[address] = found
        axe = [(v["id"], len(v["nodes"])) for v in Axe().run(page).response["violations"]]
        if axe:
            violations[address] = axe
    assert (wide, slips, violations) == ({}, {}, {})
