"""The portfolio (/espace) over real HTTP, and the team's weekly digest of what is late or at risk."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta

from atelier.clock import PARIS
from atelier.db import transaction
from atelier.demo.cast import TEAM
from atelier.services.ateliers import get_atelier
from atelier.services.gates import get_gate
from flows.lifecycle import advance_without_prefect
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import OUTSIDER_EMAIL, TEAM_EMAIL, World, http_client, sign_in, until_open

DIGEST = "Point de la semaine"


def _copil_1_overdue_on_a_monday(world: World) -> datetime:
    """COPIL n°1 asked and left undecided; the clock on the first Monday after its deadline, 07:00."""
    until_open(world, "copil_1")
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        due = get_gate(session=session, atelier=atelier, key="copil_1").due_at
    day = due.astimezone(PARIS).date() + timedelta(days=1)
    monday = day + timedelta(days=(7 - day.weekday()) % 7)
    world.clock.set(datetime.combine(monday, time(7, 0), tzinfo=PARIS))
    return world.clock.now()


def _digests(world: World) -> list[str]:
    return [m.get_body(("plain",)).get_content() for m in world.emails() if DIGEST in m["Subject"]]  # type: ignore[union-attr]


def test_the_team_gets_a_digest_on_monday_at_eight_only_when_something_is_late(world: World) -> None:
    """Nothing late on the first Monday: no digest. A decision past its deadline: the team's digest
    leaves Monday at 08:00 (not before), names it, and comes once that week."""
    advance_without_prefect(world.runtime, world.slug, world.clock.now())  # the decision date, a Monday
    drain(dispatcher_for(world.runtime))
    assert world.clock.now().weekday() == 0 and _digests(world) == []
    monday = _copil_1_overdue_on_a_monday(world)
    advance_without_prefect(world.runtime, world.slug, monday)
    drain(dispatcher_for(world.runtime))
    assert _digests(world) == []  # queued for 08:00
    for hours in (1, 3):
        world.clock.set(monday + timedelta(hours=hours))
        advance_without_prefect(world.runtime, world.slug, world.clock.now())
        drain(dispatcher_for(world.runtime))
    digests = [m for m in world.emails() if DIGEST in m["Subject"]]
    assert sorted(m["To"].addresses[0].display_name for m in digests) == sorted(TEAM)
    text = _digests(world)[0]
    assert "COPIL n°1" in text and "de retard" in text and f"/espace/{world.slug}" in text
    world.clock.set(monday + timedelta(days=1))
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))
    assert len(_digests(world)) == len(TEAM)  # Tuesday: nothing more


def test_the_portfolio_puts_the_late_atelier_first_and_shows_each_team_only_its_own(
    world: World, site: str
) -> None:
    """An administrator-free team member sees their one atelier, flagged late with its overdue decision;
    the team of another atelier sees only theirs; filtering on « en retard » keeps only the late one."""
    _copil_1_overdue_on_a_monday(world)
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = html.unescape(http.get("/espace").text)
        assert "Atelier citoyen sur les mobilités" in page and "Un autre atelier" not in page
        assert "en retard" in page and "COPIL n°1" in page and "hors délai" in page
        late = html.unescape(http.get("/espace", params={"etat": "en_retard"}).text)
        assert "Atelier citoyen sur les mobilités" in late
        on_time = html.unescape(http.get("/espace", params={"etat": "en_cours"}).text)
        assert "Aucun atelier dans cet état" in on_time
    with http_client(site) as http:
        sign_in(world, http, OUTSIDER_EMAIL)
        page = html.unescape(http.get("/espace", params={"tri": "atelier"}).text)
        assert "Un autre atelier" in page and "mobilités" not in page
