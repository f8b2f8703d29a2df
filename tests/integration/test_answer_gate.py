"""The commanditaire's answer as a gate: asked three weeks before its deadline, not approvable
while a proposal lacks an answer, and its approval publishes the answers and tells the citizens
where to read them."""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import COMMANDITAIRE
from atelier.errors import Refused
from flows.lifecycle import advance_without_prefect
from models import Decision, ProposalAnswer
from models.enums import DecisionOutcome, GateStatus
from tests.helpers import refused
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import World, decide_as, gate_of, run_cli, until_open
from tests.served import served

ANSWERS = (
    "numéro;statut;motif\r\n1;retenue;\r\n2;non retenue;Coût trop élevé.\r\n3;retenue;\r\n"
    "4;à l'étude;Mission en cours.\r\n5;retenue en partie;Deux lignes sur dix.\r\n"
)


def _published(world: World) -> int:
    with transaction(world.runtime.engine) as session:
        answers = session.exec(select(ProposalAnswer)).all()
        return sum(1 for a in answers if a.published_at is not None)


def test_the_answer_is_approved_only_whole_and_its_approval_publishes_it(
    world: World, tmp_path: Path
) -> None:
    """Asked 21 days before the step's deadline; the team cannot publish before the approval; the
    commanditaire's approval is refused while answers are missing (nothing written), accepted once
    all five are recorded: the answers are published and the citizens' notice links to them."""
    from atelier.web.app import create_app

    until_open(world, "reponse_validee")
    gate = gate_of(world, "reponse_validee")
    assert gate.opened_at is not None and (gate.due_at - gate.opened_at).days in (20, 21)
    code, _, err = run_cli(world, "avis", "repondre", world.slug, "--numero", "1", "--statut", "retenue")
    assert code == 0, err
    code, _, err = run_cli(world, "avis", "publier-reponses", world.slug)
    assert code == 1 and "la réponse attend la décision « Réponse motivée du commanditaire à l'avis »" in err
    with refused("la réponse n'est pas complète (sans réponse, n°2, n°3, n°4, n°5)", Refused):
        decide_as(world, "reponse_validee", COMMANDITAIRE[0], DecisionOutcome.APPROVE)
    with transaction(world.runtime.engine) as session:
        decided = session.exec(select(Decision).where(Decision.gate_id == gate.id)).all()
    assert decided == [] and _published(world) == 0
    sheet = tmp_path / "reponses.csv"
    sheet.write_bytes(ANSWERS.encode("cp1252"))
    assert run_cli(world, "avis", "repondre", world.slug, "--fichier", str(sheet))[0] == 0
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site) as http:
        url = world.runtime.signer.decision_url(
            atelier=world.slug,
            gate="reponse_validee",
            round=1,
            person_id=_member(world),
            now=world.clock.now(),
        )
        asked = html.unescape(http.get(urlsplit(url).path).text)
    assert "La réponse soumise à votre approbation" in asked and "Coût trop élevé." in asked
    decide_as(world, "reponse_validee", COMMANDITAIRE[0], DecisionOutcome.APPROVE)
    assert gate_of(world, "reponse_validee").status is GateStatus.APPROVED and _published(world) == 5
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))
    notices = [m for m in world.emails() if str(m["Subject"]).startswith("Droit de suite")]
    assert notices
    body = notices[0].get_body(("plain",))
    assert body is not None and f"/public/{world.slug}" in body.get_content()


def _member(world: World) -> int:
    from models import Person

    with transaction(world.runtime.engine) as session:
        person = session.exec(select(Person).where(Person.full_name == COMMANDITAIRE[0])).one()
        return person.id or 0


def test_a_late_answer_alerts_the_team_and_each_copil_member_once(world: World) -> None:
    """Two months after the handover without the approval: nothing on the deadline's day, then each
    COPIL member and each team member gets one « la réponse à l'avis est en retard », not again on
    later passes."""
    from datetime import timedelta

    from atelier.demo.cast import COPIL, TEAM
    from atelier.services.ateliers import get_atelier
    from atelier.services.follow_up_messages import answer_deadline

    until_open(world, "reponse_validee")
    with transaction(world.runtime.engine) as session:
        due = answer_deadline(session, get_atelier(session=session, slug=world.slug))
    assert due is not None
    world.clock.set(due + timedelta(hours=12))
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))

    def late() -> list[str]:
        return [
            m["To"].addresses[0].display_name
            for m in world.emails()
            if "la réponse à l'avis est en retard" in str(m["Subject"])
        ]

    assert late() == []
    for hours in (13, 36):
        world.clock.set(due + timedelta(hours=hours))
        advance_without_prefect(world.runtime, world.slug, world.clock.now())
        drain(dispatcher_for(world.runtime))
    assert sorted(late()) == sorted([*COPIL, *TEAM])
    escalations = [
        m
        for m in world.emails()
        if "Décision en retard : Réponse motivée du commanditaire" in str(m["Subject"])
    ]
    assert escalations
