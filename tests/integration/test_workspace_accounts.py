"""Accounts managed by an administrator in the workspace, over real HTTP."""

from __future__ import annotations

import html
import re

from atelier.db import transaction
from atelier.services.accounts import add_account
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import (
    COPIL_EMAIL,
    TEAM_EMAIL,
    World,
    ask_link,
    csrf_of,
    http_client,
    latest_link,
    new_link,
    sign_in,
)
from tests.served import snapshot

ADMIN_EMAIL = "ada.admin@example.org"
NEW_EMAIL = "nouveau.membre@example.org"


def _admin(world: World) -> None:
    with transaction(world.runtime.engine) as session:
        add_account(
            session=session, email=ADMIN_EMAIL, full_name="Ada Admin", is_admin=True, now=world.clock.now()
        )


def _account_id(page: str, name: str) -> str:
    found = re.search(
        rf'/espace/comptes/(\d+)/desactiver"(?:(?!</form>).)*le compte de {re.escape(name)}"', page, re.S
    )
    assert found, page
    return found.group(1)


def test_an_administrator_adds_an_account_who_then_signs_in(world: World, site: str) -> None:
    """The administrator creates an account from the form; the new person receives a message saying
    how to sign in, asks for a link and signs in; a duplicate address is refused in French with
    nothing written."""
    _admin(world)
    with http_client(site) as http:
        sign_in(world, http, ADMIN_EMAIL)
        page = http.get("/espace/comptes")
        assert page.status_code == 200
        added = http.post(
            "/espace/comptes",
            data={"csrf": csrf_of(page), "nom": "Nouveau Membre", "email": NEW_EMAIL.upper()},
        )
        assert added.status_code == 303
        shown = html.unescape(http.get(added.headers["location"]).text)
        assert "Compte créé : un message indique à la personne comment se connecter." in shown
        assert NEW_EMAIL in shown
        assert NEW_EMAIL not in added.headers["location"]  # no address in the URL (proxies log it)
        before = snapshot(world.runtime.engine, skip=("web_session",))
        again = http.post(
            "/espace/comptes", data={"csrf": csrf_of(page), "nom": "Doublon", "email": NEW_EMAIL}
        )
        assert again.status_code == 400 and f"Un compte existe déjà pour {NEW_EMAIL}" in html.unescape(
            again.text
        )
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
    drain(dispatcher_for(world.runtime))
    received = [m for m in world.emails() if m["To"].addresses[0].addr_spec == NEW_EMAIL]
    assert [m["Subject"] for m in received] == ["Votre accès à l'espace des ateliers citoyens"]
    body = received[0].get_body(("plain",))
    assert body is not None and f"{world.runtime.settings.public_base_url}/connexion" in body.get_content()
    with http_client(site) as http:
        signed = sign_in(world, http, NEW_EMAIL)
        assert signed.status_code == 303 and http.get("/espace").status_code == 200
        assert latest_link(world, NEW_EMAIL) is not None


def test_a_disabled_account_is_signed_out_at_once_and_only_an_administrator_manages_accounts(
    world: World, site: str
) -> None:
    """Disabling a team member ends their open session on the next request; they cannot sign in
    again until re-enabled; a team member gets 403 on the accounts page; an administrator cannot
    disable their own account."""
    _admin(world)
    with http_client(site) as member, http_client(site) as admin:
        sign_in(world, member, TEAM_EMAIL)
        assert member.get("/espace/comptes").status_code == 403
        assert member.get("/espace").status_code == 200
        sign_in(world, admin, ADMIN_EMAIL)
        page = admin.get("/espace/comptes")
        team_name = html.unescape(page.text)
        disabled = admin.post(
            f"/espace/comptes/{_account_id(team_name, 'Julien Faure')}/desactiver",
            data={"csrf": csrf_of(page)},
        )
        assert "sessions sont fermées" in html.unescape(admin.get(disabled.headers["location"]).text)
        assert member.get("/espace").status_code == 303  # back to the sign-in page
        last_link = latest_link(world, TEAM_EMAIL)
        ask_link(member, TEAM_EMAIL)
        ask_link(member, COPIL_EMAIL)
        new_link(world, COPIL_EMAIL)  # queued after the disabled account's request was handled
        assert latest_link(world, TEAM_EMAIL) == last_link  # no new sign-in link for a disabled account
        own = admin.post(
            f"/espace/comptes/{_account_id(team_name, 'Ada Admin')}/desactiver", data={"csrf": csrf_of(page)}
        )
        assert "votre propre compte" in html.unescape(admin.get(own.headers["location"]).text)
        assert admin.get("/espace").status_code == 200


def test_a_disabled_account_loses_its_calendar_address_for_good(world: World, site: str) -> None:
    """Disabling an account revokes its calendar address: enabled again, the old address stays dead."""
    from atelier.demo.cast import TEAM

    _admin(world)
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get("/espace/agenda")
        created = html.unescape(http.post("/espace/agenda", data={"csrf": csrf_of(page)}).text)
        found = re.search(r"/agenda/(\S+)\.ics", created)
        assert found
        feed = f"/agenda/{found.group(1)}.ics"
        assert http.get(feed).status_code == 200
    with http_client(site) as http:
        sign_in(world, http, ADMIN_EMAIL)
        page = http.get("/espace/comptes")
        account = _account_id(html.unescape(page.text), TEAM[0])
        for action in ("desactiver", "reactiver"):
            done = http.post(f"/espace/comptes/{account}/{action}", data={"csrf": csrf_of(page)})
            assert done.status_code == 303
        assert http.get(feed).status_code == 404
