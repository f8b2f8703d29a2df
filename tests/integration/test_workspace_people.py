"""Correcting a person's details from the workspace over real HTTP."""

from __future__ import annotations

import html
from email.utils import formataddr

from sqlmodel import col, select

from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COPIL
from atelier.demo.run import simulate
from flows.lifecycle import advance_without_prefect
from models import Event, OutboxMessage, Person
from models.enums import OutboxStatus
from tests.integration.helpers import (
    COPIL_EMAIL,
    TEAM_EMAIL,
    World,
    csrf_of,
    http_client,
    record_done,
    removal_id,
    sign_in,
    until_open,
)
from tests.served import snapshot

NEW_ADDRESS = "nouvelle.adresse@example.org"


def _messages_of(world: World, person_id: int) -> list[OutboxMessage]:
    with transaction(world.runtime.engine) as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.person_id == person_id)).all())


def test_a_citizens_corrected_address_takes_their_waiting_messages_with_it(world: World, site: str) -> None:
    """The team corrects a bounced citizen's address: the people page shows it, the failed invitation
    (to resend) and every later message go to the new address, those sent keep the old one, and the
    journal names the field, not the address."""
    advance = lambda slug, now: advance_without_prefect(world.runtime, slug, now)  # noqa: E731
    simulate(world.runtime, world.clock, advance, until=lambda: record_done(world, "copil_3"))
    name = CITIZENS[1]
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        people = http.get(f"/espace/{world.slug}/personnes")
        assert "<caption>Membre du COPIL (5)</caption>" in html.unescape(people.text)  # not « copil »
        person_id = removal_id(html.unescape(people.text), name)
        assert person_id is not None
        # Their invitation bounced (as a relay refusing a mistyped address would leave it).
        with transaction(world.runtime.engine) as session:
            invitation = session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.person_id == int(person_id), OutboxMessage.kind == "citizen_invitation"
                )
            ).one()
            invitation.status = OutboxStatus.FAILED
            session.add(invitation)
        before = _messages_of(world, int(person_id))
        received = len([m for m in world.emails() if m["To"].addresses[0].display_name == name])
        form = http.get(f"/espace/{world.slug}/personnes/{person_id}/modifier")
        assert form.status_code == 200 and f'value="{name}"' in html.unescape(form.text)
        saved = http.post(
            f"/espace/{world.slug}/personnes/{person_id}/modifier",
            data={
                "csrf": csrf_of(form),
                "nom": name,
                "email": f" {NEW_ADDRESS.upper()} ",
                "organisation": "",
            },
        )
        assert saved.status_code == 303
        shown = html.unescape(http.get(saved.headers["location"]).text)
        assert "Les coordonnées sont modifiées." in shown and NEW_ADDRESS in shown
    after = {m.id: m for m in _messages_of(world, int(person_id))}
    for message in before:
        if message.status is OutboxStatus.SENT:
            assert after[message.id].recipient == message.recipient
        else:
            assert after[message.id].recipient == formataddr((name, NEW_ADDRESS))
    with transaction(world.runtime.engine) as session:
        event = session.exec(
            select(Event).where(Event.kind == "person_updated").order_by(col(Event.id).desc())
        ).first()
        assert session.get(Person, int(person_id)).email == NEW_ADDRESS  # type: ignore[union-attr]
    assert event is not None and event.detail["fields"] == ["email"] and NEW_ADDRESS not in str(event.detail)
    simulate(world.runtime, world.clock, advance, until=lambda: record_done(world, "weekend_1"))
    later = [m for m in world.emails() if m["To"].addresses[0].display_name == name][received:]
    assert later and all(m["To"].addresses[0].addr_spec == NEW_ADDRESS for m in later)


def test_an_address_that_signs_in_or_is_invalid_is_refused_and_nothing_is_written(
    world: World, site: str
) -> None:
    """The address of someone with a workspace account cannot be changed by a team (it is how they
    sign in: changing it would hand over their account); an invalid address gets a French line;
    a COPIL member cannot edit anyone. Nothing is written."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        people = http.get(f"/espace/{world.slug}/personnes")
        claire = removal_id(html.unescape(people.text), COPIL[0])
        assert claire is not None
        path = f"/espace/{world.slug}/personnes/{claire}/modifier"
        before = snapshot(world.runtime.engine, skip=("web_session",))
        taken = http.post(
            path,
            data={"csrf": csrf_of(people), "nom": COPIL[0], "email": "moi@example.org", "organisation": ""},
        )
        assert taken.status_code == 400 and "se connecte à l'espace" in html.unescape(taken.text)
        invalid = http.post(
            path, data={"csrf": csrf_of(people), "nom": COPIL[0], "email": "claire@", "organisation": ""}
        )
        assert invalid.status_code == 400 and "adresse e-mail" in html.unescape(invalid.text)
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
    with http_client(site) as http:
        sign_in(world, http, COPIL_EMAIL)
        assert http.get(path).status_code == 403


def _roles_form(name: str, roles: list[str], csrf: str) -> dict[str, str]:
    return {"csrf": csrf, **{f"role_{role}": "oui" for role in roles}}


def test_a_persons_roles_change_in_the_browser_and_a_role_used_for_a_decision_stays(
    world: World, site: str
) -> None:
    """The team adds a role to a COPIL member and takes it back from the person's page; no role at
    all is refused; once the COPIL member was asked to decide, taking the COPIL role away is
    refused, and nothing is written by either refusal."""
    name = COPIL[1]
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        people = http.get(f"/espace/{world.slug}/personnes")
        person_id = removal_id(html.unescape(people.text), name)
        assert person_id is not None
        path = f"/espace/{world.slug}/personnes/{person_id}"
        form = http.get(f"{path}/modifier")
        page = html.unescape(form.text)
        assert "Rôles de " + name in page and 'name="role_copil_member" value="oui" checked' in page
        csrf = csrf_of(form)
        added = http.post(f"{path}/roles", data=_roles_form(name, ["copil_member", "expert"], csrf))
        assert added.status_code == 303
        shown = html.unescape(http.get(added.headers["location"]).text)
        assert "Les rôles sont modifiés." in shown and "membre du COPIL, expert" in shown
        journal = html.unescape(http.get(f"/espace/{world.slug}/journal").text)
        assert f"Rôles de {name} modifiés ; ajout : expert." in journal
        before = snapshot(world.runtime.engine, skip=("web_session",))
        empty = http.post(f"{path}/roles", data=_roles_form(name, [], csrf))
        assert empty.status_code == 400 and "Cochez au moins un rôle" in html.unescape(empty.text)
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
        back = http.post(f"{path}/roles", data=_roles_form(name, ["copil_member"], csrf))
        assert back.status_code == 303
    until_open(world, "copil_1")
    with http_client(site) as http:  # weeks later: signed in again
        sign_in(world, http, TEAM_EMAIL)
        csrf = csrf_of(http.get(f"{path}/modifier"))
        before = snapshot(world.runtime.engine, skip=("web_session",))
        refused = http.post(f"{path}/roles", data=_roles_form(name, ["expert"], csrf))
        text = html.unescape(refused.text)
        assert refused.status_code == 400 and "sollicité(e) pour une décision" in text
        assert 'name="role_expert" value="oui" checked' in text  # what was ticked, kept
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
