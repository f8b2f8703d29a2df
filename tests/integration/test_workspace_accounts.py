"""Accounts managed by an administrator in the workspace, over real HTTP."""

from __future__ import annotations

import html
import re

from atelier.db import transaction
from atelier.services.accounts import add_account
from tests.integration.conftest import World
from tests.integration.test_workspace import (
    TEAM_EMAIL,
    _ask_link,
    _client,
    _csrf,
    _latest_link,
    _sign_in,
    site,
)
from tests.served import snapshot

__all__ = ["site"]  # the fixture, shared with test_workspace

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
    """The administrator creates an account from the form; the new person asks for a link and
    signs in; a duplicate address is refused in French with nothing written."""
    _admin(world)
    with _client(site) as http:
        _sign_in(world, http, ADMIN_EMAIL)
        page = http.get("/espace/comptes")
        assert page.status_code == 200
        added = http.post(
            "/espace/comptes", data={"csrf": _csrf(page), "nom": "Nouveau Membre", "email": NEW_EMAIL.upper()}
        )
        assert added.status_code == 303
        shown = html.unescape(http.get(added.headers["location"]).text)
        assert "Compte créé : la personne se connecte" in shown and NEW_EMAIL in shown
        assert NEW_EMAIL not in added.headers["location"]  # no address in the URL (proxies log it)
        before = snapshot(world.runtime.engine, skip=("web_session",))
        again = http.post("/espace/comptes", data={"csrf": _csrf(page), "nom": "Doublon", "email": NEW_EMAIL})
        assert again.status_code == 400 and f"un compte existe déjà pour {NEW_EMAIL}" in html.unescape(
            again.text
        )
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
    with _client(site) as http:
        signed = _sign_in(world, http, NEW_EMAIL)
        assert signed.status_code == 303 and http.get("/espace").status_code == 200
        assert _latest_link(world, NEW_EMAIL) is not None


def test_a_disabled_account_is_signed_out_at_once_and_only_an_administrator_manages_accounts(
    world: World, site: str
) -> None:
    """Disabling a team member ends their open session on the next request; they cannot sign in
    again until re-enabled; a team member gets 403 on the accounts page; an administrator cannot
    disable their own account."""
    _admin(world)
    with _client(site) as member, _client(site) as admin:
        _sign_in(world, member, TEAM_EMAIL)
        assert member.get("/espace/comptes").status_code == 403
        assert member.get("/espace").status_code == 200
        _sign_in(world, admin, ADMIN_EMAIL)
        page = admin.get("/espace/comptes")
        team_name = html.unescape(page.text)
        disabled = admin.post(
            f"/espace/comptes/{_account_id(team_name, 'Julien Faure')}/desactiver", data={"csrf": _csrf(page)}
        )
        assert "sessions sont fermées" in html.unescape(admin.get(disabled.headers["location"]).text)
        assert member.get("/espace").status_code == 303  # back to the sign-in page
        last_link = _latest_link(world, TEAM_EMAIL)
        _ask_link(member, TEAM_EMAIL)
        assert _latest_link(world, TEAM_EMAIL) == last_link  # no new sign-in link for a disabled account
        own = admin.post(
            f"/espace/comptes/{_account_id(team_name, 'Ada Admin')}/desactiver", data={"csrf": _csrf(page)}
        )
        assert "votre propre compte" in html.unescape(admin.get(own.headers["location"]).text)
        assert admin.get("/espace").status_code == 200
