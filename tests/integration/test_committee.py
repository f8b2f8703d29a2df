"""The citizens' comité de suivi: the call after the handover, seats taken and left by each citizen's
own link over real HTTP, calendar invitations to its meetings (cancelled for who leaves), reminders
to its members only, and the public record telling how many sit on it, never who."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from email.message import EmailMessage

import httpx

from atelier.db import transaction
from atelier.demo.run import simulate
from atelier.services.ateliers import get_atelier
from atelier.services.avis import answer_gate_of
from atelier.services.people import people_with_role
from atelier.services.timeline import get_step, record_step_done
from flows.lifecycle import advance_without_prefect
from models.enums import GateStatus, Role, StepStatus
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import World
from tests.served import served, snapshot

COMMITTEE_LINK = re.compile(r"https?://[^/\s]+(/comite-de-suivi/\S+)")
CALL = "rejoindre le comité de suivi"


def _handed_over(world: World) -> bool:
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        return get_step(session=session, atelier=atelier, key="remise_avis").status is StepStatus.DONE


def _pass(world: World, days: float = 0) -> None:
    world.clock.set(world.clock.now() + timedelta(days=days))
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))


def _answered(world: World) -> None:
    """The state once the commanditaire approved the answer on time (``test_answer_gate`` goes that
    way for real): the step done, so the comité's meetings keep their dates."""
    now = world.clock.now()
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        gate = answer_gate_of(session=session, atelier=atelier)
        assert gate is not None
        gate.status, gate.closed_at = GateStatus.APPROVED, now
        session.add(gate)
        record_step_done(session=session, atelier=atelier, step_key="reponse_commanditaire", done_at=now,
                         actor="test", now=now, by_gate=True)  # fmt: skip


def _to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)


def _calendar_method(message: EmailMessage) -> str | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            found = re.search(r"^METHOD:(\w+)", part.get_content(), re.MULTILINE)
            return found.group(1) if found else None
    return None


def _about(world: World, words: str) -> list[EmailMessage]:
    return [m for m in world.emails() if words in str(m["Subject"])]


def _body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_citizens_take_the_seats_of_the_comite_and_only_its_members_are_invited_and_reminded(
    world: World,
) -> None:
    """The day after the handover each citizen is called once; the page (GET) records nothing; five
    citizens take the five seats and a sixth is refused with nothing written; the members get a
    calendar invitation to each meeting; one who leaves gets both cancelled and cannot come back by
    the link, which frees the seat for the sixth; a week before the first meeting only the current
    members are reminded; the public page counts them and names none."""
    from atelier.web.app import create_app

    simulate(world.runtime, world.clock, lambda s, n: advance_without_prefect(world.runtime, s, n),
             until=lambda: _handed_over(world))  # fmt: skip
    _pass(world, days=1.2)
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        citizens = [p.email for p in people_with_role(session=session, atelier=atelier, role=Role.CITIZEN)]
        names = [p.full_name for p in people_with_role(session=session, atelier=atelier, role=Role.CITIZEN)]
    calls = {_to(m): _body(m) for m in _about(world, CALL)}
    assert sorted(calls) == sorted(citizens) and len(_about(world, CALL)) == len(citizens)
    links = {}
    for address, body in calls.items():
        found = COMMITTEE_LINK.search(body)
        assert found is not None
        links[address] = found.group(1)
    first, sixth = citizens[:5], citizens[5]
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site, timeout=20) as http:
        before = snapshot(world.runtime.engine, skip=("event",))
        shown = html.unescape(http.get(links[first[0]]).text)
        assert "Places prises : 0 sur 5." in shown and "Comité de suivi citoyen n°1" in shown
        assert snapshot(world.runtime.engine, skip=("event",)) == before
        for address in first:
            joined = http.post(links[address], data={"action": "rejoindre"})
            assert joined.status_code == 200 and "vous faites partie du comité de suivi" in joined.text
        before = snapshot(world.runtime.engine, skip=("event",))
        full = http.post(links[sixth], data={"action": "rejoindre"})
        assert full.status_code == 400 and "Le comité de suivi est complet (5 membres)" in html.unescape(
            full.text
        )
        assert snapshot(world.runtime.engine, skip=("event",)) == before
        _pass(world, days=0.01)
        invitations = [
            m for m in _about(world, "Comité de suivi citoyen n°") if _calendar_method(m) == "REQUEST"
        ]
        invited_citizens = {_to(m) for m in invitations} & set(citizens)
        assert invited_citizens == set(first) and len([m for m in invitations if _to(m) in first]) == 10
        left = http.post(links[first[0]], data={"action": "quitter"})
        assert left.status_code == 200 and "vos invitations aux réunions sont annulées" in html.unescape(
            left.text
        )
        _pass(world, days=0.01)
        cancels = [m for m in world.emails() if _to(m) == first[0] and _calendar_method(m) == "CANCEL"]
        assert len(cancels) == 2 and all("Retiré de votre agenda" in str(m["Subject"]) for m in cancels)
        back = http.post(links[first[0]], data={"action": "rejoindre"})
        assert back.status_code == 400 and "Vous avez quitté le comité de suivi" in html.unescape(back.text)
        assert http.post(links[sixth], data={"action": "rejoindre"}).status_code == 200
        _answered(world)
        with transaction(world.runtime.engine) as session:
            atelier = get_atelier(session=session, slug=world.slug)
            meeting = get_step(session=session, atelier=atelier, key="comite_suivi_1").forecast_start
        world.clock.set(meeting - timedelta(days=7) + timedelta(minutes=5))
        _pass(world)
        reminded = {_to(m) for m in _about(world, "Rappel : Comité de suivi citoyen n°1")}
        assert reminded == {*first[1:], sixth}
        public = html.unescape(http.get(f"/public/{world.slug}").text)
    assert "5 citoyens volontaires sur 5 places" in public
    assert not [name for name in names if name in public]
