"""Two teams on one instance, over real HTTP: the team of another atelier changes nothing of this one,
not even through a person both ateliers share, and its refusals name nobody it cannot see."""

from __future__ import annotations

import html

import httpx
from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COPIL, TEAM
from atelier.errors import Refused
from atelier.services.accounts import add_account
from atelier.services.ateliers import get_atelier
from atelier.services.gates import decide
from atelier.services.people import add_people
from models import Person
from models.enums import DecisionChannel, DecisionOutcome
from models.person_in import validate_person
from tests.integration.helpers import (
    CITIZEN_EMAIL,
    OUTSIDER_EMAIL,
    TEAM_EMAIL,
    World,
    csrf_of,
    http_client,
    removal_id,
    sign_in,
    until_open,
    workspace_routes,
)
from tests.served import snapshot

OTHER = "autre-atelier"  # the atelier of the outsider's team (the ``site`` fixture's)
ADMIN_EMAIL = "ada.admin@example.org"
NOE = "noe.neuf@example.org"


def _share_with_the_other_atelier(world: World, *addresses: str) -> None:
    """People of the demo atelier (and an administrator) added to the other atelier too."""
    now = world.clock.now()
    with transaction(world.runtime.engine) as session:
        add_account(session=session, email=ADMIN_EMAIL, full_name="Ada Admin", is_admin=True, now=now)
        other = get_atelier(session=session, slug=OTHER)
        people = [
            session.exec(select(Person).where(Person.email == a)).one() for a in (*addresses, ADMIN_EMAIL)
        ]
        shared = [
            validate_person({"full_name": p.full_name, "email": p.email, "roles": "expert"}) for p in people
        ]
        add_people(session=session, atelier=other, now=now, people=shared)


def _person_id(world: World, address: str) -> int:
    with transaction(world.runtime.engine) as session:
        person = session.exec(select(Person).where(Person.email == address)).one()
        return int(person.id or 0)


def _edit(http: httpx.Client, slug: str, person_id: int, name: str, email: str) -> httpx.Response:
    form = http.get(f"/espace/{slug}/personnes/{person_id}/modifier")
    assert form.status_code == 200, form.status_code
    return http.post(
        f"/espace/{slug}/personnes/{person_id}/modifier",
        data={"csrf": csrf_of(form), "nom": name, "email": email, "organisation": ""},
    )


def test_the_other_team_changes_nothing_of_this_atelier_by_any_route(world: World, site: str) -> None:
    """Every workspace POST of this atelier, enumerated from the app, with a person both ateliers share:
    refused to the other atelier's team, and the database is as it was."""
    _share_with_the_other_atelier(world, CITIZEN_EMAIL)
    shared = str(_person_id(world, CITIZEN_EMAIL))
    routes = [
        path
        for method, path in workspace_routes(world, person_id=shared)
        if method == "POST" and path.startswith(f"/espace/{world.slug}")
    ]
    assert len(routes) >= 20
    with http_client(site) as http:
        sign_in(world, http, OUTSIDER_EMAIL)
        token = csrf_of(http.get("/espace/agenda"))
        before = snapshot(world.runtime.engine, skip=("web_session",))
        for path in routes:
            response = http.post(path, data={"csrf": token, "nom": "=HYPERLINK(1)", "email": "x@example.org"})
            assert response.status_code == 403, (path, response.status_code)
    assert snapshot(world.runtime.engine, skip=("web_session",)) == before


def test_a_shared_identity_is_not_rewritten_from_the_other_atelier(world: World, site: str) -> None:
    """The other team may not rename this atelier's citizen, nor an administrator, through its own
    people page: refused, nothing written, and the citizen's name unchanged on this atelier's page."""
    _share_with_the_other_atelier(world, CITIZEN_EMAIL)
    with http_client(site) as http:
        sign_in(world, http, OUTSIDER_EMAIL)
        before = snapshot(world.runtime.engine, skip=("web_session",))
        for address, why in (
            (CITIZEN_EMAIL, "ne se corrigent pas ici"),
            (ADMIN_EMAIL, "administre l'espace"),
        ):
            refused = _edit(http, OTHER, _person_id(world, address), '=HYPERLINK("http://x")', address)
            assert refused.status_code == 400 and why in html.unescape(refused.text), address
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = html.unescape(http.get(f"/espace/{world.slug}/personnes").text)
        assert removal_id(page, CITIZENS[0]) is not None and "HYPERLINK" not in page


def test_the_team_of_both_ateliers_corrects_a_shared_name(world: World, site: str) -> None:
    """A team member of both ateliers corrects the name of a person the two share."""
    _share_with_the_other_atelier(world, CITIZEN_EMAIL, TEAM_EMAIL)
    with transaction(world.runtime.engine) as session:
        add_people(
            session=session, atelier=get_atelier(session=session, slug=OTHER), now=world.clock.now(),
            people=[validate_person({"full_name": TEAM[0], "email": TEAM_EMAIL, "roles": "équipe projet"})],
        )  # fmt: skip
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        done = _edit(http, OTHER, _person_id(world, CITIZEN_EMAIL), "Camille Nouveau-Nom", CITIZEN_EMAIL)
        assert done.status_code == 303, html.unescape(done.text)
        page = html.unescape(http.get(f"/espace/{world.slug}/personnes").text)
        assert "Camille Nouveau-Nom" in page


def test_refusals_name_nobody_of_another_atelier(world: World, site: str) -> None:
    """An address already used by this atelier's team member, typed by the other team, and a member id
    of this atelier sent to the other atelier's decision: neither refusal names that person."""
    now = world.clock.now()
    with transaction(world.runtime.engine) as session:
        add_people(
            session=session, atelier=get_atelier(session=session, slug=OTHER), now=now,
            people=[validate_person({"full_name": "Noé Neuf", "email": NOE, "roles": "expert"})],
        )  # fmt: skip
    with http_client(site) as http:
        sign_in(world, http, OUTSIDER_EMAIL)
        refused = _edit(http, OTHER, _person_id(world, NOE), "Noé Neuf", TEAM_EMAIL)
        text = html.unescape(refused.text)
        assert (
            refused.status_code == 400 and "déjà celle d'une autre personne" in text and TEAM[0] not in text
        )
    until_open(world, "copil_1")
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        citizen = session.exec(select(Person).where(Person.email == CITIZEN_EMAIL)).one()
        try:
            decide(
                session=session, atelier=atelier, gate_key="copil_1", person=citizen,
                outcome=DecisionOutcome.APPROVE, comment=None, channel=DecisionChannel.MEETING,
                now=world.clock.now(),
            )  # fmt: skip
        except Refused as error:
            message = error.message_fr
    assert "n'est pas membre" in message and CITIZENS[0] not in message and COPIL[0] not in message
