"""Changing an atelier's details in the browser, over real HTTP: saved, journalled by field name, and
the messages written with the old details written again before they leave."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlmodel import select

from atelier.db import transaction
from atelier.services.ateliers import get_atelier
from atelier.services.timeline import record_step_done
from flows.lifecycle import advance_without_prefect
from models import Event, OutboxMessage
from models.enums import OutboxStatus
from tests.integration.helpers import COPIL_EMAIL, TEAM_EMAIL, World, csrf_of, http_client, sign_in
from tests.served import snapshot

PLACE = "Ministère, salle Lamartine, 246 boulevard Saint-Germain, Paris 7e"


def _convocations_waiting(world: World) -> list[OutboxMessage]:
    """The COPIL's convocations written, not sent (the first steps done, the engine passed once)."""
    now = world.clock.now()
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        for step in ("reunion_demande", "cahier_des_charges", "copil_constitue"):
            record_step_done(session=session, atelier=atelier, step_key=step, done_at=now, actor="t", now=now)
    world.clock.set(now + timedelta(hours=1))
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    with transaction(world.runtime.engine) as session:
        return list(
            session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "copil_convocation", OutboxMessage.status == OutboxStatus.PENDING
                )
            ).all()
        )


def _form(world: World, http: object, **changes: str) -> dict[str, str]:
    page = http.get(f"/espace/{world.slug}/modifier")  # type: ignore[attr-defined]
    assert page.status_code == 200
    text = html.unescape(page.text)
    values = {
        name: value
        for name in ("title", "commanditaire", "venue", "venue_departement", "day_phone",
                     "online_meeting_url", "copil_meeting_place", "indemnisation_per_day_eur")
        for value in [_value_of(text, name)]
    }  # fmt: skip
    return {"csrf": csrf_of(page), **values, **changes}


def _value_of(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    marker = 'value="'
    at = page.index(marker, start) + len(marker)
    return page[at : page.index('"', at)]


def test_the_team_sets_the_copil_place_and_the_waiting_convocations_carry_it(world: World, site: str) -> None:
    """The page says how many scheduled messages will be rewritten and lists them by subject; once
    saved, the atelier has the new place, the journal names the field, and the convocations not
    yet sent now give that place."""
    waiting = _convocations_waiting(world)
    assert waiting and not any(PLACE in m.body_text for m in waiting)
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = html.unescape(http.get(f"/espace/{world.slug}/modifier").text)
        assert "messages programmés seront réécrits" in page
        listed = re.findall(r"<li>Convocation — (COPIL n°\d) du [^<]+ : (\d+) messages</li>", page)
        assert sorted(listed) == [("COPIL n°1", "5"), ("COPIL n°2", "5"), ("COPIL n°3", "5")]
        form = _form(world, http, copil_meeting_place=PLACE, indemnisation_per_day_eur="86")
        form["question"] = "Quelles solutions de mobilité ?"
        saved = http.post(f"/espace/{world.slug}/modifier", data=form)
        assert saved.status_code == 303
        shown = html.unescape(http.get(saved.headers["location"]).text)
        assert "Les informations de l'atelier sont enregistrées." in shown
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        assert (atelier.copil_meeting_place, atelier.indemnisation_per_day_eur) == (PLACE, 86)
        event = session.exec(select(Event).where(Event.kind == "atelier_updated")).one()
        assert "copil_meeting_place" in event.detail["fields"] and PLACE not in str(event.detail)
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    with transaction(world.runtime.engine) as session:
        rewritten = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "copil_convocation")).all()
    assert len(rewritten) == len(waiting) and all(PLACE in m.body_text for m in rewritten)


def test_a_wrong_address_is_refused_beside_its_field_and_nothing_changes(world: World, site: str) -> None:
    """« javascript:… » as the online sessions' address: 400, the error beside the field, what was
    typed kept in the form, and the database as it was; a COPIL member cannot open the page."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        form = _form(world, http, online_meeting_url="javascript:alert(1)", venue="Salle Europe")
        form["question"] = "Quelles solutions de mobilité ?"
        before = snapshot(world.runtime.engine, skip=("web_session",))
        refused = http.post(f"/espace/{world.slug}/modifier", data=form)
        text = html.unescape(refused.text)
        assert (
            refused.status_code == 400
            and "n'est pas une adresse web" in text
            and 'value="Salle Europe"' in text
        )
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
    with http_client(site) as http:
        sign_in(world, http, COPIL_EMAIL)
        assert http.get(f"/espace/{world.slug}/modifier").status_code == 403
