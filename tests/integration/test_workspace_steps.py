"""Moving an event from the workspace over real HTTP: the preview, the refusals, the move, and
the messages that follow it."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from sqlmodel import col, select

from atelier.clock import PARIS
from atelier.db import transaction
from atelier.demo.cast import COPIL
from atelier.demo.run import simulate
from flows.lifecycle import advance_without_prefect
from models import Atelier, Event, Step
from tests.integration.helpers import (
    TEAM_EMAIL,
    World,
    calendar_parts,
    csrf_of,
    http_client,
    record_done,
    sign_in,
)
from tests.served import snapshot


def _step(world: World, key: str) -> Step:
    with transaction(world.runtime.engine) as session:
        return session.exec(
            select(Step)
            .join(Atelier, col(Atelier.id) == col(Step.atelier_id))
            .where(Atelier.slug == world.slug, Step.key == key)
        ).one()


def _moved_convocations(world: World, start: datetime) -> list[str]:
    """Who received a « Modification » of COPIL n°3's convocation for ``start``."""
    found = []
    for message in world.emails():
        subject = str(message["Subject"])
        if subject.startswith("Modification") and "COPIL n°3" in subject:
            (calendar,) = calendar_parts(message)
            if calendar.walk("VEVENT")[0]["dtstart"].dt == start:
                found.append(message["To"].addresses[0].display_name)
    return found


def test_the_team_moves_a_copil_and_each_member_gets_the_new_date_once(world: World, site: str) -> None:
    """Moving COPIL n°3 from its page: the preview says who will receive what and writes nothing;
    a past date is refused in French with nothing written; confirmed, the journal names who moved
    it and each member receives one « Modification » of the convocation, at the new date."""
    advance = lambda slug, now: advance_without_prefect(world.runtime, slug, now)  # noqa: E731
    simulate(world.runtime, world.clock, advance, until=lambda: record_done(world, "copil_1"))
    planned = _step(world, "copil_3").forecast_start.astimezone(PARIS)
    new = (planned + timedelta(days=1)).replace(hour=14, minute=30)
    path = f"/espace/{world.slug}/etapes/copil_3"
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(path)
        assert page.status_code == 200 and "Déplacer ce rendez-vous" in html.unescape(page.text)
        form = {
            "date": f"{new:%Y-%m-%d}",
            "heure": "14:30",
            "motif": "Salle indisponible",
            "csrf": csrf_of(page),
        }
        before = snapshot(world.runtime.engine, skip=("web_session",))
        preview = http.post(f"{path}/deplacer", data=form)
        shown = html.unescape(preview.text)
        assert preview.status_code == 200, shown
        assert "5 personnes recevront leur convocation au COPIL mise à jour, à la nouvelle date." in shown
        assert "« COPIL n°3 » : " in shown and "Confirmer le déplacement" in shown
        past = http.post(f"{path}/deplacer", data={**form, "date": "2027-01-04"})
        assert past.status_code == 400 and "est passée" in html.unescape(past.text)
        no_reason = http.post(f"{path}/deplacer", data={**form, "motif": " ", "confirme": "oui"})
        assert no_reason.status_code == 400 and "Indiquez le motif" in html.unescape(no_reason.text)
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
        moved = http.post(f"{path}/deplacer", data={**form, "confirme": "oui"})
        assert moved.status_code == 303
    assert _step(world, "copil_3").forecast_start == new
    with transaction(world.runtime.engine) as session:
        event = session.exec(select(Event).where(Event.kind == "event_rescheduled")).one()
    assert event.actor.startswith("person:") and event.detail["reason"] == "Salle indisponible"
    simulate(world.runtime, world.clock, advance, until=lambda: record_done(world, "copil_2"))
    assert sorted(_moved_convocations(world, new)) == sorted(COPIL)


def test_a_refused_step_keeps_the_date_typed_and_writes_nothing(world: World, site: str) -> None:
    """The first meeting recorded as done on a day still to come: refused in French, the date and
    hour typed shown again in the form, and nothing written."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        path = f"/espace/{world.slug}/etapes/reunion_demande"
        csrf = csrf_of(http.get(path))
        before = snapshot(world.runtime.engine, skip=("web_session",))
        refused = http.post(path, data={"csrf": csrf, "date": "2027-06-12", "heure": "15:30"})
        shown = html.unescape(refused.text)
        assert refused.status_code == 400 and 'role="alert"' in shown
        assert 'name="date" type="date" value="2027-06-12"' in shown
        assert 'name="heure" type="time" value="15:30"' in shown
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
