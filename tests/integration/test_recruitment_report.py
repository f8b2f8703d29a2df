"""What recruitment by lot shows outside the team's table: COPIL n°3's decision page with the final
panel and every replacement, the transparency report with each volunteer's chance and nothing
personal, and each volunteer not drawn told their own chance."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from urllib.parse import urlsplit

from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import COPIL
from atelier.i18n import percent
from atelier.services.ateliers import get_atelier
from atelier.services.recruitment import find_lottery
from atelier.services.replacements import approve_replacement, replacements_of
from atelier.sheets.spreadsheet import read_sheet
from flows.lifecycle import advance_without_prefect
from models import Person, Volunteer
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import TEAM_EMAIL, World, csrf_of, http_client, sign_in, until_open
from tests.integration.recruitment_helpers import (
    QUOTAS,
    approve_copil_1,
    decline_as,
    engine_seals,
    in_atelier,
    panel_drawn,
    panel_of,
    registrations,
)


def _decline_and_replace(world: World) -> tuple[Volunteer, Volunteer]:
    """The first citizen drawn declines; the team approves the reserve proposed in their place."""
    dropped = decline_as(world)
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        (proposal,) = replacements_of(session=session, atelier=atelier)
        approve_replacement(
            session=session,
            atelier=atelier,
            replacement_id=proposal.id or 0,
            now=world.clock.now(),
            actor="t",
        )
        newcomer = session.get(Volunteer, proposal.replacement_id)
        assert newcomer is not None
        session.expunge(newcomer)
    return dropped, newcomer


def _personal_data(world: World) -> list[str]:
    with transaction(world.runtime.engine) as session:
        people = session.exec(select(Volunteer)).all()
        return [
            text for v in people for text in (v.email, v.full_name, v.phone or "", v.household or "") if text
        ]


def test_copil_3_sees_the_final_panel_with_each_replacement_and_why(lottery_world: World, site: str) -> None:
    """A member's decision link for COPIL n°3 shows the panel's composition against the quotas, who
    has answered, and « V… a décliné l'invitation : remplacé(e) par V… (liste de réserve) », with
    references, never a citizen's name."""
    world = lottery_world
    panel_drawn(world)
    dropped, newcomer = _decline_and_replace(world)
    until_open(world, "copil_3")
    with transaction(world.runtime.engine) as session:
        member = session.exec(select(Person).where(Person.full_name == COPIL[0])).one()
        url = world.runtime.signer.decision_url(
            atelier=world.slug, gate="copil_3", round=1, person_id=member.id or 0, now=world.clock.now()
        )
    with http_client(site) as http:
        shown = html.unescape(http.get(urlsplit(url).path).text)
    assert "Le panel tiré au sort" in shown and "Quotas, vivier et panel" in shown
    assert (
        f"{dropped.reference} a décliné l'invitation : remplacé(e) par {newcomer.reference} "
        "(liste de réserve) — approuvé" in shown
    )
    cells = re.findall(
        r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td><td>\d+</td><td>(\d+)</td>', shown
    )
    assert {value: int(panel) for value, _lo, _hi, panel in cells} == {
        q.value: sum(1 for v in panel_of(world) if v.features[q.category] == q.value) for q in QUOTAS
    }
    assert re.search(r"Parmi les membres du panel, \d+ ont confirmé", shown)
    assert not any(text in shown for text in _personal_data(world))


def test_the_report_gives_the_method_composition_and_chances_with_nothing_personal(
    lottery_world: World, site: str
) -> None:
    """Refused before the seal (nothing to publish); after the draw, the HTML report shows the
    commitment, the seed, the chart and the panel after replacements; its CSV counts match the
    panel; the chances sum to the panel's size; no volunteer's name, address, e-mail or phone is
    in any file; each volunteer not drawn is told their own chance, as published."""
    world = lottery_world
    report_path = f"/espace/{world.slug}/recrutement/rapport"
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        early = http.get(report_path)
        assert early.status_code == 409 and "Le tirage n'est pas encore scellé" in html.unescape(early.text)
        panel_drawn(world, seed="7 12 30 41 45")
        _decline_and_replace(world)
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(report_path)
        files = {suffix: http.get(report_path + suffix) for suffix in (".csv", "-probabilites.csv")}
        files["-publication.json"] = http.get(report_path + "-publication.json")
    shown = html.unescape(page.text)
    assert (
        page.status_code == 200
        and "méthode MAXIMIN" in shown
        and "Graine du tirage : <code>7 12 30 41 45" in shown
    )
    assert '<svg role="img"' in shown and "Panel après remplacements" in shown
    rows = list(csv.DictReader(io.StringIO(files[".csv"].content.decode("utf-8-sig")), delimiter=";"))
    final = panel_of(world)
    assert {r["valeur"]: int(r["panel_final"]) for r in rows} == {
        q.value: sum(1 for v in final if v.features[q.category] == q.value) for q in QUOTAS
    }
    chances = {
        r["id"]: float(r["probability"]) for r in csv.DictReader(io.StringIO(files["-probabilites.csv"].text))
    }
    assert len(chances) == 60 and abs(sum(chances.values()) - 15) < 1e-3
    every_text = shown + "".join(f.text for f in files.values())
    assert not any(text in every_text for text in _personal_data(world))
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))
    with transaction(world.runtime.engine) as session:
        by_email = {v.email: v.reference for v in session.exec(select(Volunteer)).all()}
    told = [m for m in world.emails() if "le résultat du tirage au sort" in m["Subject"]]
    assert told
    for message in told:
        reference = by_email[message["To"].addresses[0].addr_spec]
        body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        if "même foyer" not in body and "votre foyer" not in body:
            assert f"étaient de {percent(chances[reference], 2)}. " in body and reference in body


def test_the_quotas_are_typed_in_the_page_and_a_form_from_older_quotas_is_refused(
    lottery_world: World, site: str
) -> None:
    """The default INSEE quotas in one click; then a minimum changed in the table is saved; a
    letter in a field, a minimum above its maximum, or a form filled before the quotas changed
    are each refused with one French line and nothing written."""
    from tests.integration.helpers import csrf_of
    from tests.integration.recruitment_helpers import recruitment_snapshot

    world = lottery_world
    page_path = f"/espace/{world.slug}/recrutement"
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        csrf = csrf_of(http.get(page_path))
        assert http.post(f"{page_path}/quotas/defaut", data={"csrf": csrf}).status_code == 303
        shown = http.get(page_path).text
        assert "Retraités" in html.unescape(shown) and "Attitude sur le sujet" in html.unescape(shown)
        in_atelier(world, "quotas", quotas=QUOTAS)
        page = http.get(page_path)
        version = re.search(r'name="version" value="([0-9a-f]+)"', page.text)
        assert version is not None
        form = {"csrf": csrf, "version": version.group(1)}
        form |= {f"min-{i}": str(q.min) for i, q in enumerate(QUOTAS)}
        form |= {f"max-{i}": str(q.max) for i, q in enumerate(QUOTAS)}
        before = recruitment_snapshot(world)
        for bad, expected in (
            (
                {"min-0": "six"},
                "« Femme » (Genre) : le minimum et le maximum doivent être des nombres entiers",
            ),
            ({"min-0": "9"}, "« Femme » (Genre) : il faut 0 ≤ minimum ≤ maximum"),
            ({"version": "0" * 16}, "Les quotas ont changé depuis l'affichage de la page"),
        ):
            refused = http.post(f"{page_path}/quotas/saisie", data=form | bad)
            assert refused.status_code == 400 and expected in html.unescape(refused.text)
            assert recruitment_snapshot(world) == before
        saved = http.post(f"{page_path}/quotas/saisie", data=form | {"min-0": "6"})
        assert saved.status_code == 303
    assert recruitment_snapshot(world)[0] == ("Genre", "Femme", 6, 8)


def test_a_seal_stopped_by_the_workspace_time_limit_says_so_on_the_page_and_in_the_report(
    lottery_world: World, site: str
) -> None:
    """Sealed from the page with the workspace's time limit reached at once, the lottery is the best
    found, and the recruitment page and the report say the search stopped before proving it optimal
    and by how much at most; with the default limit, both say the optimum is proven."""
    world = lottery_world
    page_path = f"/espace/{world.slug}/recrutement"
    in_atelier(world, "quotas", quotas=QUOTAS)
    in_atelier(world, "pool", sheet=read_sheet(registrations(), name="inscriptions.csv"))
    until_open(world, "copil_1")
    approve_copil_1(world)
    world.runtime.settings.lottery_max_seconds = 1e-9  # this instance's setting, as its .env would set it
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        csrf = csrf_of(http.get(page_path))
        http.post(f"{page_path}/sceller", data={"csrf": csrf, "taille": "15"})
        assert engine_seals(world) == [world.slug]
        shown = html.unescape(http.get(page_path).text)
        report = html.unescape(http.get(f"{page_path}/rapport").text)
    stopped = "La recherche a été arrêtée à la limite de temps fixée, avant de prouver"
    assert stopped in shown and stopped in report
    assert re.search(r"soit un écart d'au plus \d+,\d{3}\xa0% avec la plus faible probabilité", shown)
    with transaction(world.runtime.engine) as session:
        lottery = find_lottery(session=session, atelier=get_atelier(session=session, slug=world.slug))
        assert lottery is not None and lottery.publication is not None
        assert json.loads(lottery.publication)["optimality"]["proven"] is False


def test_a_seal_run_to_its_end_says_its_optimum_is_proven(lottery_world: World, site: str) -> None:
    """With the default time limit, the page and the report say no other lottery does better."""
    world = lottery_world
    panel_drawn(world)
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        shown = html.unescape(http.get(f"/espace/{world.slug}/recrutement").text)
        report = html.unescape(http.get(f"/espace/{world.slug}/recrutement/rapport").text)
    proven = "ne donne une plus faible probabilité plus élevée : la recherche l'a prouvé."
    assert proven in shown and proven in report
