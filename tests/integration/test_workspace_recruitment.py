"""The recruitment page over real HTTP: quotas and pool uploaded, the draw refused before COPIL n°1,
then sealed and drawn, the panel shown beside the quotas."""

from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import urlsplit

from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import COPIL
from flows.lifecycle import advance_without_prefect
from models import Person, Volunteer
from models.enums import VolunteerStatus
from tests.integration.helpers import TEAM_EMAIL, World, csrf_of, http_client, sign_in, until_open
from tests.integration.recruitment_helpers import (
    QUOTAS,
    approve_copil_1,
    engine_seals,
    in_atelier,
    recruitment_snapshot,
    registrations,
    seal,
)


def _quotas_csv() -> bytes:
    lines = ["category,feature,min,max", *(f"{q.category},{q.value},{q.min},{q.max}" for q in QUOTAS)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_the_team_uploads_seals_and_draws_from_the_recruitment_page(lottery_world: World, site: str) -> None:
    """Quotas and the pool as files; « Sceller » is not offered and a forced seal is refused (nothing
    written) before COPIL n°1 approves, whose members see the quotas beside the pool; after it, the
    seal shows its commitment and the draw fills the table's panel column within every quota."""
    world = lottery_world
    page_path = f"/espace/{world.slug}/recrutement"
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(page_path)
        assert page.status_code == 200 and "les quotas ne sont pas encore saisis" in html.unescape(page.text)
        csrf = csrf_of(page)
        sent = http.post(
            f"{page_path}/quotas",
            data={"csrf": csrf},
            files={"fichier": ("quotas.csv", _quotas_csv(), "text/csv")},
        )
        assert sent.status_code == 303
        sent = http.post(
            f"{page_path}/vivier",
            data={"csrf": csrf},
            files={"fichier": ("inscriptions.csv", registrations(), "text/csv")},
        )
        shown = html.unescape(http.get(sent.headers["location"]).text)
        assert "60 volontaires ajoutés au vivier ; 2 doublons écartés" in shown
        assert (
            "les quotas attendent l'approbation « COPIL n°1" in shown
            and "Sceller le tirage</button>" not in shown
        )
        before = recruitment_snapshot(world)
        forced = http.post(f"{page_path}/sceller", data={"csrf": csrf, "taille": "15"})
        assert forced.status_code == 400 and "Pas de tirage" in html.unescape(forced.text)
        assert recruitment_snapshot(world) == before
        until_open(world, "copil_1")
        # A COPIL member's decision link shows the quotas beside the pool they decide on.
        with transaction(world.runtime.engine) as session:
            member = session.exec(select(Person).where(Person.full_name == COPIL[0])).one()
            url = world.runtime.signer.decision_url(
                atelier=world.slug, gate="copil_1", round=1, person_id=member.id or 0, now=world.clock.now()
            )
        asked = html.unescape(http.get(urlsplit(url).path).text)
        assert (
            "Quotas et vivier" in asked
            and '<th scope="row">Femme</th><td>7</td><td>8</td><td>30</td>' in asked
        )
        approve_copil_1(world)
        advance_without_prefect(world.runtime, world.slug, world.clock.now())
        sign_in(world, http, TEAM_EMAIL)  # weeks later: the session has expired
        csrf = csrf_of(http.get(page_path))
        sealed = http.post(
            f"{page_path}/sceller", data={"csrf": csrf, "taille": "15", "algorithme": "leximin"}
        )
        assert "Scellement demandé" in html.unescape(http.get(sealed.headers["location"]).text)
        assert engine_seals(world) == [world.slug]
        shown = html.unescape(http.get(page_path).text)
        commitment = re.search(r"<code>([0-9a-f]{64})</code>", shown)
        assert commitment is not None and "Tirer le panel" in shown
        # Chosen in the page, the method is named beside the report's files, each linked and served.
        assert "calculé par LEXIMIN" in shown
        for suffix in ("", ".csv", "-probabilites.csv", "-publication.json"):
            assert f'href="{page_path}/rapport{suffix}"' in shown
            assert http.get(f"{page_path}/rapport{suffix}").status_code == 200
        drawn = http.post(f"{page_path}/tirer", data={"csrf": csrf, "graine": "12 27 33 40 48"})
        shown = html.unescape(http.get(drawn.headers["location"]).text)
        assert "Panel tiré" in shown and commitment.group(1) in shown and "Panel (15)" in shown
        cells = re.findall(
            r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>', shown
        )
        in_panel = {value: int(panel) for value, _min, _max, _pool, panel in cells}
        assert all(q.min <= in_panel[q.value] <= q.max for q in QUOTAS)
        assert shown.count("sans réponse") == 15


def _statuses(world: World) -> Counter[VolunteerStatus]:
    with transaction(world.runtime.engine) as session:
        return Counter(v.status for v in session.exec(select(Volunteer)).all())


def test_the_household_rule_and_automatic_replacements_are_settings_of_the_page_and_the_cli(
    lottery_world: World, site: str
) -> None:
    """Unticking « une seule personne par foyer » brings the set-aside registration back into the
    pool, ticking it sets it aside again; once the draw is sealed the rule cannot change (nothing
    written); turning automatic replacements on from the command line approves the one waiting."""
    from tests.integration.helpers import run_cli
    from tests.integration.recruitment_helpers import decline_as

    world = lottery_world
    page_path = f"/espace/{world.slug}/recrutement"
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        csrf = csrf_of(http.get(page_path))
        http.post(f"{page_path}/quotas", data={"csrf": csrf}, files={"fichier": ("q.csv", _quotas_csv())})
        http.post(f"{page_path}/vivier", data={"csrf": csrf}, files={"fichier": ("v.csv", registrations())})
        assert _statuses(world)[VolunteerStatus.SET_ASIDE] == 1
        assert http.post(f"{page_path}/reglages", data={"csrf": csrf}).status_code == 303
        assert _statuses(world) == {VolunteerStatus.POOL: 61}
        http.post(f"{page_path}/reglages", data={"csrf": csrf, "un_par_foyer": "oui"})
        assert _statuses(world) == {VolunteerStatus.POOL: 60, VolunteerStatus.SET_ASIDE: 1}
        until_open(world, "copil_1")
        approve_copil_1(world)
        seal(world, size=15)
        in_atelier(world, "draw", seed="1 2 3")
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(page_path)
        assert "Une seule personne par foyer : oui (fixé au scellement du tirage)" in html.unescape(page.text)
        before = recruitment_snapshot(world)
        refused = http.post(f"{page_path}/reglages", data={"csrf": csrf_of(page)})
        assert refused.status_code == 400 and "la règle d'une personne par foyer ne peut plus changer" in (
            html.unescape(refused.text)
        )
        assert recruitment_snapshot(world) == before
    dropped = decline_as(world)
    code, out, _ = run_cli(world, "panel", "remplacements", world.slug)
    assert code == 0 and "à approuver" in out
    code, out, err = run_cli(world, "panel", "reglages", world.slug, "--remplacements-automatiques")
    assert code == 0, err
    assert "Remplaçants approuvés par le moteur : oui" in out and "Une personne par foyer : oui" in out
    with transaction(world.runtime.engine) as session:
        assert session.exec(select(Volunteer).where(Volunteer.id == dropped.id)).one().status is (
            VolunteerStatus.WITHDRAWN
        )
    assert "approuvé" in run_cli(world, "panel", "remplacements", world.slug)[1]


def test_the_draws_preconditions_show_from_the_start_citizens_added_by_hand_included(
    world: World, site: str
) -> None:
    """Before any quota, the page lists what sealing needs; citizens typed in by hand show at once, not
    only as the seal's refusal at the very end."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = html.unescape(http.get(f"/espace/{world.slug}/recrutement").text)
    items = re.findall(r"<li><span class=\"(risque|ok)\">[^<]+</span> — ([^<]+)</li>", page)
    assert [(state, text.split(" :")[0].rstrip(".")) for state, text in items] == [
        ("risque", "Les quotas sont saisis et approuvés par le COPIL"),
        ("risque", "Le vivier compte des volontaires"),
        ("risque", "Aucun citoyen n'est inscrit à la main"),
    ]
    assert "l'atelier compte déjà 15 citoyens inscrits à la main (page Personnes)" in page
    assert "Sceller le tirage</button>" not in page
