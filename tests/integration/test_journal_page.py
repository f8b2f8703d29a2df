"""The journal page and exports over real HTTP: French sentences, every kind in the filter, pages of
fifty, and the same words in the exports."""

from __future__ import annotations

import html
import re

from sqlmodel import Session, col, select

from atelier.db import transaction
from atelier.demo.cast import COPIL, TEAM
from atelier.services.messages import set_sending_suspended
from models import Atelier, Event, Person
from models.enums import DecisionOutcome
from models.types import pk
from tests.integration.helpers import TEAM_EMAIL, World, decide_as, http_client, sign_in, until_open

CODE_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _events(session: Session, world: World) -> list[Event]:
    atelier = session.exec(select(Atelier).where(Atelier.slug == world.slug)).one()
    return list(session.exec(select(Event).where(col(Event.atelier_id) == atelier.id)).all())


def _cells(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", body, re.S)]


def test_the_journal_reads_in_french_sentences_fifty_a_page(world: World, site: str) -> None:
    """No code name, id or ISO date in any row; pages of fifty with links; past the end, the last page."""
    until_open(world, "cahier_des_charges_valide")
    with transaction(world.runtime.engine) as session:
        atelier = session.exec(select(Atelier).where(Atelier.slug == world.slug)).one()
        team = session.exec(select(Person).where(Person.full_name == TEAM[0])).one()
        for turn in range(40):  # the team pauses and resumes its mail: two events a turn
            set_sending_suspended(
                session=session,
                atelier=atelier,
                suspended=turn % 2 == 0,
                person_id=pk(team),
                now=world.clock.now(),
            )
    with transaction(world.runtime.engine) as session:
        events = _events(session, world)
    total, kinds = len(events), {e.kind for e in events}
    assert total > 60
    pages = -(-total // 50)
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        first = http.get(f"/espace/{world.slug}/journal").text
        assert len(_cells(first)) == 50 * 4
        for number in range(1, pages + 1):
            for cell in _cells(http.get(f"/espace/{world.slug}/journal?page={number}").text):
                assert not CODE_NAME.search(cell) and not ISO_DATE.search(cell), cell
                assert "person:" not in cell and "(s)" not in cell and "(e)" not in cell, cell
        assert f"page 1 sur {pages}" in html.unescape(first)
        assert f'href="/espace/{world.slug}/journal?page=2"' in first and "Page précédente" not in first
        last = http.get(f"/espace/{world.slug}/journal?page=999").text
        assert len(_cells(last)) == (total - 50 * (pages - 1)) * 4 and "Page suivante" not in last
        for kind in kinds:
            assert f'<option value="{kind}"' in first, kind
        filtered = http.get(f"/espace/{world.slug}/journal?type=sending_resumed").text
        assert _cells(filtered)[3::4] == ["Envois repris."] * 20 and "Page suivante" not in filtered
        assert set(_cells(filtered)[1::4]) == {TEAM[0]}


def test_the_exports_use_the_journals_words(world: World, site: str) -> None:
    """The journal's export carries every event as its sentence; the decisions' channel is in French."""
    until_open(world, "cahier_des_charges_valide")
    decide_as(world, "cahier_des_charges_valide", COPIL[1], DecisionOutcome.APPROVE, "Très clair")
    with transaction(world.runtime.engine) as session:
        total = len(_events(session, world))
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        journal = (
            http.get(f"/espace/{world.slug}/export/journal.csv").content.decode("utf-8-sig").splitlines()
        )
        decisions = http.get(f"/espace/{world.slug}/export/decisions.csv").content.decode("utf-8-sig")
    assert journal[0] == "Quand;Qui;Type;Événement" and len(journal) == total + 1
    assert not any(CODE_NAME.search(line.split(";", 1)[1]) for line in journal[1:])
    assert "Canal" in decisions.splitlines()[0]
    assert ";réunion;" in decisions and ";meeting;" not in decisions
    assert any(line.endswith("approuvé (réunion). Commentaire : Très clair") for line in journal)
