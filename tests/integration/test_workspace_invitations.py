"""Team and COPIL members invited to the workspace by e-mail, once, and signing in without an
account made for them; an address already known under another name refused, not merged."""

from __future__ import annotations

import html

from atelier.demo.cast import COPIL, TEAM, _email
from atelier.demo.run import simulate
from flows.lifecycle import advance_without_prefect
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import (
    TEAM_EMAIL,
    World,
    csrf_of,
    http_client,
    record_done,
    sign_in,
)
from tests.served import snapshot

TEAM_SUBJECT = "Votre accès à l'espace de travail de l'atelier « {} »"
NEWCOMER = ("Inès Nouvelle", "ines.nouvelle@example.org")


def _invitations(world: World) -> dict[str, int]:
    """Who received the workspace invitation, and how many times."""
    received: dict[str, int] = {}
    for message in world.emails():
        if message["Subject"].startswith("Votre accès à l'espace de travail"):
            address = message["To"].addresses[0].addr_spec
            received[address] = received.get(address, 0) + 1
    return received


def _advance(world: World, until: str) -> None:
    simulate(
        world.runtime, world.clock, lambda s, n: advance_without_prefect(world.runtime, s, n),
        until=lambda: record_done(world, until),
    )  # fmt: skip


def test_the_team_is_invited_at_once_the_copil_once_constituted_and_a_member_signs_in(
    world: World, site: str
) -> None:
    """The team's invitation leaves at the first advance, the COPIL's once « COPIL constitué » is
    done, each exactly once whatever the advances; a COPIL member with no account signs in from
    the sign-in page and reads the atelier, without editing it."""
    _advance(world, "reunion_demande")
    first = _invitations(world)
    assert {_email(name) for name in TEAM} <= first.keys()
    assert not {_email(name) for name in COPIL} & first.keys()
    _advance(world, "copil_1")
    invited = _invitations(world)
    assert {_email(name): 1 for name in COPIL} == {
        a: n for a, n in invited.items() if a in map(_email, COPIL)
    }
    assert set(invited.values()) == {1}
    part = next(
        m for m in world.emails() if m["To"].addresses[0].addr_spec == _email(COPIL[2])
        and m["Subject"].startswith("Votre accès")
    ).get_body(("plain",))  # fmt: skip
    assert part is not None
    body = part.get_content()
    assert "(membre du COPIL)" in body and "vous y suivez l'avancement" in body
    with http_client(site) as http:
        sign_in(world, http, _email(COPIL[2]))  # no account was made for them
        page = http.get(f"/espace/{world.slug}")
        assert page.status_code == 200
        assert http.get(f"/espace/{world.slug}/personnes/import").status_code == 403


def test_a_member_added_in_the_browser_is_invited_and_a_known_address_under_another_name_is_refused(
    world: World, site: str
) -> None:
    """A team member added on the people page receives their invitation at the next advance, once;
    adding an address already known under another name is refused in French, nothing written, and
    what was typed is kept in the form."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/personnes")
        name, address = NEWCOMER
        added = http.post(
            f"/espace/{world.slug}/personnes/ajouter",
            data={"csrf": csrf_of(page), "nom": name, "email": address, "role": "project_team"},
        )
        assert added.status_code == 303
        before = snapshot(world.runtime.engine, skip=("web_session",))
        merged = http.post(
            f"/espace/{world.slug}/personnes/ajouter",
            data={"csrf": csrf_of(page), "nom": "Claire Dupont", "email": _email(COPIL[0]), "role": "expert"},
        )
        text = html.unescape(merged.text)
        assert merged.status_code == 400
        # What was typed stays in the form, to correct the address or the name.
        assert 'name="nom" type="text" required maxlength="200" value="Claire Dupont"' in text
        assert '<option value="expert" selected>' in text
        assert (
            f"L'adresse {_email(COPIL[0])} est déjà enregistrée sous un autre nom que « Claire Dupont »"
            in text
        )
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
    for _ in range(2):
        advance_without_prefect(world.runtime, world.slug, world.clock.now())
        drain(dispatcher_for(world.runtime))
    assert _invitations(world)[address] == 1
