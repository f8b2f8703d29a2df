"""The pages behind the links, served by uvicorn and fetched over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COPIL
from atelier.demo.run import simulate
from atelier.links import LinkClaims
from atelier.web.app import create_app
from flows.lifecycle import advance_without_prefect
from models import Decision, Event, InvitationAnswer, OutboxMessage, Person
from models.enums import Answer, DecisionOutcome, GateStatus, OutboxStatus
from tests.integration.helpers import (
    World,
    answer_token_of,
    decide_as,
    decision_token_of,
    gate_of,
    until_open,
)
from tests.served import served, snapshot

GATE = "cahier_des_charges_valide"


@pytest.fixture
def client(world: World) -> Iterator[httpx.Client]:
    """The link pages of the world's runtime, over HTTP."""
    with served(create_app(world.runtime)) as url, httpx.Client(base_url=url, timeout=20) as http:
        yield http


def _refusals(world: World) -> list[dict[str, object]]:
    with transaction(world.runtime.engine) as session:
        events = session.exec(select(Event).where(Event.kind == "link_refused")).all()
        return [e.detail for e in events]


def _business(world: World) -> dict[str, list[tuple[object, ...]]]:
    """Every table but the append-only event log, where refusals are written."""
    return snapshot(world.runtime.engine, skip=("event",))


def test_member_decides_through_the_page(world: World, client: httpx.Client) -> None:
    """GET shows what is decided; POST records it once; the link then no longer works."""
    until_open(world, GATE)
    token = decision_token_of(world, COPIL[0], GATE, 1)
    page = client.get(f"/decision/{token}")
    assert page.status_code == 200
    assert "Validation du cahier des charges" in page.text and COPIL[0] in page.text
    assert 'value="send_back"' in page.text
    done = client.post(f"/decision/{token}", data={"outcome": "approve", "comment": ""})
    assert done.status_code == 200 and "Votre décision est enregistrée : approuvé." in done.text
    again = client.post(f"/decision/{token}", data={"outcome": "approve", "comment": ""})
    assert again.status_code == 403 and "Ce lien a déjà été utilisé" in again.text
    assert client.get(f"/decision/{token}").status_code == 403
    assert gate_of(world, GATE).status is GateStatus.OPEN


def test_every_page_carries_the_security_headers(world: World, client: httpx.Client) -> None:
    """Pages, refusals and unknown paths are never framed, cached, or leak the token as referrer."""
    until_open(world, GATE)
    token = decision_token_of(world, COPIL[0], GATE, 1)
    for response in (client.get(f"/decision/{token}"), client.get("/decision/forged"), client.get("/nope")):
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
    assert "Page introuvable" in client.get("/nope").text


def test_citizen_answer_link_shows_a_page_and_only_post_records(world: World, client: httpx.Client) -> None:
    """A scanner opening both answer links records nothing; the citizen's own click still works."""
    _until_citizens_invited(world)
    name = CITIZENS[0]
    confirm, decline = answer_token_of(world, name, "confirm"), answer_token_of(world, name, "decline")
    before = _business(world)
    for token in (confirm, decline, decline):
        page = client.get(f"/reponse/{token}")
        assert page.status_code == 200 and '<form method="post">' in page.text
    assert _business(world) == before
    assert "Je confirme ma participation" in client.get(f"/reponse/{confirm}").text
    done = client.post(f"/reponse/{confirm}")
    assert done.status_code == 200 and "votre participation est confirmée" in done.text
    with transaction(world.runtime.engine) as session:
        (answer,) = session.exec(select(InvitationAnswer)).all()
        assert answer.answer is Answer.CONFIRM


def test_the_invitation_links_to_the_mandat_a_citizen_can_read_without_signing_in(
    world: World, client: httpx.Client
) -> None:
    """The citizen's invitation carries the mandat de participation: its link opens the page with the
    question and the weekends' dates, without sign-in and without any citizen's name."""
    _until_citizens_invited(world)
    invitation = next(m for m in _sent(world) if m.kind == "citizen_invitation")
    (link,) = set(re.findall(r"https?://\S+/mandat\.html", invitation.body_text))
    page = client.get(link.removeprefix(world.runtime.settings.public_base_url))
    assert page.status_code == 200 and "Mandat de participation" in page.text
    assert "Premier week-end" in page.text and "Quelles solutions de mobilité" in page.text
    assert not [name for name in (*CITIZENS, *COPIL) if name in page.text]


def _until_citizens_invited(world: World) -> None:
    """Run the simulated atelier until the citizens' invitations (with their answer links) are sent."""
    simulate(
        world.runtime,
        world.clock,
        lambda s, n: advance_without_prefect(world.runtime, s, n),
        until=lambda: any(m.kind == "citizen_invitation" for m in _sent(world)),
    )


def _sent(world: World) -> list[OutboxMessage]:
    with transaction(world.runtime.engine) as session:
        return list(
            session.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)).all()
        )


def test_scanner_fetching_every_link_changes_nothing(world: World, client: httpx.Client) -> None:
    """Every link of every message sent so far, fetched with GET as a scanner does: nothing changes."""
    _until_citizens_invited(world)
    links = {
        link
        for message in _sent(world)
        for link in re.findall(r"https?://[^\s\"'<>]+", message.body_text + message.body_html)
        if link.startswith(world.runtime.settings.public_base_url)
    }
    assert len(links) > 20
    before = _business(world)
    for link in links:
        assert client.get(link.removeprefix(world.runtime.settings.public_base_url)).status_code < 500
    assert _business(world) == before
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    assert _business(world) == before  # nothing recorded for the engine to act on either


def test_refused_send_back_keeps_the_link_usable(world: World, client: httpx.Client) -> None:
    """A send-back without comment is refused, writes nothing, and the same link then works."""
    until_open(world, GATE)
    token = decision_token_of(world, COPIL[0], GATE, 1)
    before = _business(world)
    refused = client.post(f"/decision/{token}", data={"outcome": "send_back", "comment": "  "})
    assert refused.status_code == 400 and "motivé par un commentaire" in refused.text
    assert 'name="comment"' in refused.text  # the form is shown again
    assert _business(world) == before
    done = client.post(f"/decision/{token}", data={"outcome": "send_back", "comment": "Revoir le budget."})
    assert done.status_code == 200 and "renvoyé pour reprise" in done.text


def test_reject_asks_for_confirmation_first(world: World, client: httpx.Client) -> None:
    """ "Rejeter" halts the atelier: a first POST only asks to confirm; the confirmed one records."""
    until_open(world, GATE)
    token = decision_token_of(world, COPIL[0], GATE, 1)
    before = _business(world)
    ask = client.post(f"/decision/{token}", data={"outcome": "reject", "comment": "Hors sujet"})
    assert ask.status_code == 200 and "Je confirme le rejet" in ask.text and 'value="Hors sujet"' in ask.text
    assert _business(world) == before
    done = client.post(
        f"/decision/{token}", data={"outcome": "reject", "comment": "Hors sujet", "confirm": "oui"}
    )
    assert done.status_code == 200 and "rejeté" in done.text
    with transaction(world.runtime.engine) as session:
        (decision,) = session.exec(select(Decision)).all()
        assert decision.comment == "Hors sujet"


def test_bad_forms_get_french_pages_and_are_logged(world: World, client: httpx.Client) -> None:
    """Missing choice, 1 MB comment, JSON body, over-long token: French 4xx, logged, never echoed."""
    until_open(world, GATE)
    token = decision_token_of(world, COPIL[1], GATE, 1)
    before = _business(world)
    missing = client.post(f"/decision/{token}", data={"comment": "x"})
    assert missing.status_code == 400 and "Choisissez" in missing.text
    huge = "é" * 1_000_000
    too_long = client.post(f"/decision/{token}", data={"outcome": "approve", "comment": huge})
    assert too_long.status_code == 400 and "trop longue" in too_long.text and len(too_long.text) < 5000
    over = client.post(f"/decision/{token}", data={"outcome": "approve", "comment": "a" * 4001})
    assert over.status_code == 400 and "4000 caractères" in over.text and "a" * 100 not in over.text
    as_json = client.post(f"/decision/{token}", json={"outcome": "approve"})
    assert as_json.status_code == 400 and "formulaire" in as_json.text
    long_token = client.get("/decision/" + "A" * 5000)
    assert long_token.status_code == 403 and "n&#39;est pas valide" in long_token.text
    assert _business(world) == before
    assert len(_refusals(world)) == 5
    # The link still works after all of that.
    assert client.post(f"/decision/{token}", data={"outcome": "approve"}).status_code == 200


def test_genuine_links_to_unknown_things_are_refused_not_500(world: World, client: httpx.Client) -> None:
    """Signed with our key but naming an unknown atelier, gate or shape: a French 403 and an event."""
    until_open(world, GATE)
    signer, now = world.runtime.signer, world.clock.now()
    tokens = [
        signer.token(LinkClaims("decision", "ailleurs", 1, "n1", gate=GATE, round=1), now=now),
        signer.token(LinkClaims("decision", world.slug, 1, "n2", gate="inconnue", round=1), now=now),
        signer.token(LinkClaims("decision", world.slug, 99999, "n3", gate=GATE, round=1), now=now),
        signer.token(LinkClaims("decision", world.slug, "x", "n4", gate=GATE, round=1), now=now),  # type: ignore[arg-type]
        signer.token(LinkClaims("answer", "ailleurs", 1, "n5", answer="confirm"), now=now),
        signer.token(LinkClaims("answer", world.slug, 1, "n6", answer="peut-être"), now=now),
    ]
    before = _business(world)
    for token in tokens:
        for response in (
            client.get(f"/decision/{token}"),
            client.post(f"/decision/{token}", data={"outcome": "approve"}),
            client.get(f"/reponse/{token}"),
            client.post(f"/reponse/{token}"),
        ):
            assert response.status_code in (403, 404), response.text
            assert "Traceback" not in response.text
    assert _business(world) == before
    # Each refusal is counted: one event each, or added to the day's count when not readable as ours.
    assert sum(int(str(r.get("count", 1))) for r in _refusals(world)) == 4 * len(tokens)


def test_closed_gate_page_says_how_it_ended_and_non_member_is_refused(
    world: World, client: httpx.Client
) -> None:
    """After the quorum the page says the decision is closed; a citizen's forged-for-them link is refused."""
    until_open(world, GATE)
    token = decision_token_of(world, COPIL[4], GATE, 1)
    for name in COPIL[:3]:
        decide_as(world, GATE, name, DecisionOutcome.APPROVE)
    page = client.get(f"/decision/{token}")
    assert page.status_code == 200
    assert "Cette décision est close : elle est approuvée" in page.text and "<form" not in page.text
    with transaction(world.runtime.engine) as session:
        citizen = session.exec(select(Person).where(Person.full_name == CITIZENS[0])).one()
    stranger = world.runtime.signer.token(
        LinkClaims("decision", world.slug, citizen.id or 0, "n7", gate=GATE, round=1), now=world.clock.now()
    )
    refused = client.get(f"/decision/{stranger}")
    assert refused.status_code == 403 and "ne vous permet pas" in refused.text and "<form" not in refused.text


def test_unexpected_failure_is_a_french_page_without_traceback(world: World, client: httpx.Client) -> None:
    """A database that breaks under a genuine link: a French 500 page, its headers, no traceback."""
    from sqlalchemy import text

    until_open(world, GATE)
    token = decision_token_of(world, COPIL[0], GATE, 1)
    with world.runtime.engine.begin() as connection:
        connection.execute(text("ALTER TABLE gate RENAME TO gate_moved"))
    page = client.get(f"/decision/{token}")
    assert page.status_code == 500
    assert "Une erreur inattendue est survenue ; rien n&#39;a été enregistré" in page.text
    assert "Traceback" not in page.text and "gate_moved" not in page.text
    assert page.headers["referrer-policy"] == "no-referrer"


def test_the_instance_address_leads_to_the_workspace(client: httpx.Client) -> None:
    """« / » sends the browser to the workspace, and from there to the sign-in page (never a 404)."""
    root = client.get("/")
    assert root.status_code == 303 and root.headers["location"] == "/espace"
    assert client.get("/espace").headers["location"] == "/connexion"


def test_https_instances_tell_browsers_to_stay_on_https(world: World, client: httpx.Client) -> None:
    """Strict-Transport-Security only when the public address is https (the demo stays on http)."""
    assert "strict-transport-security" not in client.get("/connexion").headers
    https = replace(world.runtime, settings=world.runtime.settings.model_copy(
        update={"public_base_url": "https://atelier.exemple.gouv.fr"}))  # fmt: skip
    with served(create_app(https)) as url, httpx.Client(base_url=url, timeout=20) as http:
        assert http.get("/connexion").headers["strict-transport-security"].startswith("max-age=31536000")


def test_a_public_address_never_repeats_what_was_typed(client: httpx.Client) -> None:
    """An unknown public record answers « Page introuvable » without the text of the address."""
    page = client.get("/public/Le-ministere-vous-informe-que-votre-compte-est-suspendu")
    assert page.status_code == 404 and "Page introuvable" in page.text
    assert "suspendu" not in page.text and "ministere-vous" not in page.text


def test_forged_links_cannot_grow_the_database(world: World, client: httpx.Client) -> None:
    """A thousand forged-link visits add one event, which counts them; a genuine link refused is
    still one event each."""
    for n in range(1000):
        assert client.get(f"/decision/forge{n % 7}").status_code == 403
    anonymous = [r for r in _refusals(world) if r.get("day")]
    assert len(anonymous) == 1 and anonymous[0]["count"] == 1000
