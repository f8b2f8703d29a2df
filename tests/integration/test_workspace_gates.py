"""The workspace's decisions over real HTTP: documents under decision, a member's own decision,
a decision recorded in a meeting, and who may read what."""

from __future__ import annotations

import html

from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import COPIL, TEAM
from models import Decision, Event, GateDocument, OutboxMessage, Person
from models.enums import DecisionChannel, DecisionOutcome
from tests.integration.helpers import (
    COPIL_EMAIL,
    OUTSIDER_EMAIL,
    TEAM_EMAIL,
    World,
    csrf_of,
    decision_token_of,
    gate_of,
    http_client,
    sign_in,
    until_open,
)
from tests.served import snapshot

PDF = b"%PDF-1.4\n% cahier des charges\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
GATE = "copil_1"


def _attach(http_site: str, world: World, name: str, data: bytes) -> int:
    with http_client(http_site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/decisions")
        response = http.post(
            f"/espace/{world.slug}/decisions/{GATE}/documents",
            data={"csrf": csrf_of(page)},
            files={"document": (name, data, "application/pdf")},
        )
        return response.status_code


def test_a_document_is_attached_for_the_next_round_and_read_by_members(world: World, site: str) -> None:
    """The team attaches the PDF before COPIL n°1 is asked; a file that is not what it says is refused
    and writes nothing; the member's request names it, and both the workspace and the decision page
    serve it as a download; the team member of another atelier cannot."""
    before = snapshot(world.runtime.engine, skip=("event", "web_session", "used_link", "outbox_message"))
    assert _attach(site, world, "programme.pdf", b"MZ\x90\x00 not a pdf") == 400
    assert _attach(site, world, "outil.exe", b"MZ\x90\x00") == 400
    assert (
        snapshot(world.runtime.engine, skip=("event", "web_session", "used_link", "outbox_message")) == before
    )
    assert _attach(site, world, "Cahier des charges v1.pdf", PDF) == 303
    with transaction(world.runtime.engine) as session:
        (document,) = session.exec(select(GateDocument)).all()
    assert document.round == 1 and document.content_type == "application/pdf"

    until_open(world, GATE)
    with transaction(world.runtime.engine) as session:
        requests = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "decision_request")).all()
    mine = [r for r in requests if r.context.get("gate") == GATE]
    assert mine and all("Cahier des charges v1.pdf" in r.body_text for r in mine)

    with http_client(site) as http:
        sign_in(world, http, COPIL_EMAIL)
        page = html.unescape(http.get(f"/espace/{world.slug}/decisions").text)
        assert "Cahier des charges v1.pdf" in page and "Ma décision" in page
        download = http.get(f"/espace/{world.slug}/documents/{document.id}")
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"
        token = decision_token_of(world, COPIL[1], GATE, 1)
        decision_page = http.get(f"/decision/{token}")
        assert f"/decision/{token}/documents/{document.id}" in decision_page.text
        assert http.get(f"/decision/{token}/documents/{document.id}").content == PDF
    with http_client(site) as http:
        sign_in(world, http, OUTSIDER_EMAIL)
        assert http.get(f"/espace/{world.slug}/documents/{document.id}").status_code == 403


def test_a_member_decides_in_the_workspace_and_the_team_records_a_meeting_decision(
    world: World, site: str
) -> None:
    """Claire decides from her workspace (channel « dans l'espace »); the team records Patrick's decision
    taken in the meeting; a send-back without its reason is refused, keeping the choices made; each
    shows in the table."""
    until_open(world, GATE)
    with http_client(site) as http:
        sign_in(world, http, COPIL_EMAIL)
        page = http.get(f"/espace/{world.slug}/decisions")
        refused = http.post(
            f"/espace/{world.slug}/decisions/{GATE}/ma-decision",
            data={"csrf": csrf_of(page), "outcome": "send_back", "comment": ""},
        )
        assert refused.status_code == 400 and "motivé par un commentaire" in html.unescape(refused.text)
        # The choice made stays, for the comment to be added.
        assert f'id="ma-{GATE}-send_back" name="outcome" value="send_back" checked' in refused.text
        done = http.post(
            f"/espace/{world.slug}/decisions/{GATE}/ma-decision",
            data={"csrf": csrf_of(page), "outcome": "approve", "comment": "Bon équilibre."},
        )
        assert done.status_code == 303
        assert (
            http.post(
                f"/espace/{world.slug}/decisions/{GATE}/seance",
                data={"csrf": csrf_of(page), "membre": "1", "outcome": "approve"},
            ).status_code
            == 403
        )  # a COPIL member cannot record for others
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/decisions")
        with transaction(world.runtime.engine) as session:
            patrick = session.exec(select(Person).where(Person.full_name == COPIL[1])).one()
        refused = http.post(
            f"/espace/{world.slug}/decisions/{GATE}/seance",
            data={"csrf": csrf_of(page), "membre": str(patrick.id), "outcome": "send_back", "comment": ""},
        )
        assert refused.status_code == 400
        assert f'<option value="{patrick.id}" selected>' in refused.text
        assert '<option value="send_back" selected>' in refused.text
        recorded = http.post(
            f"/espace/{world.slug}/decisions/{GATE}/seance",
            data={"csrf": csrf_of(page), "membre": str(patrick.id), "outcome": "approve", "comment": ""},
        )
        assert recorded.status_code == 303
        table = html.unescape(http.get(f"/espace/{world.slug}/decisions").text)
        assert "Bon équilibre." in table and "dans l'espace" in table and "en séance" in table
        # How each decision came is headed « Moyen », not « Comment » beside « Commentaire ».
        assert '<th scope="col">Commentaire</th><th scope="col">Moyen</th>' in table
    with transaction(world.runtime.engine) as session:
        gate = gate_of(world, GATE)
        decisions = session.exec(select(Decision).where(Decision.gate_id == gate.id)).all()
    channels = {d.channel for d in decisions if d.outcome is DecisionOutcome.APPROVE}
    assert channels == {DecisionChannel.WORKSPACE, DecisionChannel.MEETING}
    # The journal keeps who entered the meeting's decision: the team member, not Patrick himself.
    with transaction(world.runtime.engine) as session:
        team = session.exec(select(Person).where(Person.full_name == TEAM[0])).one()
        entries = session.exec(select(Event).where(Event.kind == "gate_decision")).all()
    entered = {e.actor: e.detail.get("entered_by") for e in entries}
    assert entered[f"person:{patrick.id}"] == f"person:{team.id}"
    others = [who for actor, who in entered.items() if actor != f"person:{patrick.id}"]
    assert others and all(who is None for who in others)  # decided by themselves
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        journal = html.unescape(http.get(f"/espace/{world.slug}/journal?type=gate_decision").text)
        assert f"(réunion), saisi par {TEAM[0]}" in journal


def test_after_a_send_back_the_team_records_the_revised_version_from_the_workspace(
    world: World, site: str
) -> None:
    """Sent back in the meeting, COPIL n°1 offers the team a « version révisée » form; its note reaches
    the members in round 2, as from the command line."""
    from tests.integration.helpers import decide_as

    until_open(world, GATE)
    for name in COPIL[:3]:
        decide_as(world, GATE, name, DecisionOutcome.SEND_BACK, "Revoir les quotas.")
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/decisions")
        assert "Enregistrer la version révisée" in html.unescape(page.text)
        done = http.post(
            f"/espace/{world.slug}/decisions/{GATE}/version-revisee",
            data={"csrf": csrf_of(page), "note": "Quotas revus : 40 % de communes rurales."},
        )
        assert done.status_code == 303
    from flows.lifecycle import advance_without_prefect

    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    with transaction(world.runtime.engine) as session:
        requests = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "decision_request")).all()
    round_two = [r for r in requests if r.context.get("gate") == GATE and r.context.get("round") == 2]
    assert round_two and all("Quotas revus : 40 % de communes rurales." in r.body_text for r in round_two)


def test_a_rejection_entered_for_a_meeting_is_confirmed_on_a_second_page(world: World, site: str) -> None:
    """« Rejeter » in the team's meeting form asks first (nothing written), then records once confirmed."""
    until_open(world, GATE)
    with transaction(world.runtime.engine) as session:
        patrick = session.exec(select(Person).where(Person.full_name == COPIL[1])).one()
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/decisions")
        values = {"membre": str(patrick.id), "outcome": "reject", "comment": "Hors budget"}
        before = snapshot(world.runtime.engine, skip=("web_session",))
        asked = http.post(
            f"/espace/{world.slug}/decisions/{GATE}/seance", data={"csrf": csrf_of(page), **values}
        )
        text = html.unescape(asked.text)
        assert asked.status_code == 200 and f"{COPIL[1]} rejette" in text and "l'atelier s'arrête" in text
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
        done = http.post(
            f"/espace/{world.slug}/decisions/{GATE}/seance",
            data={"csrf": csrf_of(asked), **values, "confirme": "oui"},
        )
        assert done.status_code == 303
    with transaction(world.runtime.engine) as session:
        gate = gate_of(world, GATE)
        recorded = session.exec(select(Decision).where(Decision.gate_id == gate.id)).one()
    assert (recorded.person_id, recorded.outcome, recorded.comment) == (
        patrick.id,
        DecisionOutcome.REJECT,
        "Hors budget",
    )
