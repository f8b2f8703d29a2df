"""The evaluation of the démarche at its close: asked once by e-mail to the citizens, the COPIL and
the commanditaire, answered through each person's page over real HTTP, a reminder only to who has
not answered, counts on the public record, comments on the team's page only, closed with its step."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx
from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import TEAM
from atelier.demo.run import simulate
from atelier.services.accounts import add_account
from atelier.services.ateliers import get_atelier
from atelier.services.people import people_with_role
from atelier.services.timeline import get_step
from flows.lifecycle import advance_without_prefect
from models import EvaluationResponse
from models.enums import Role, StepStatus
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import TEAM_EMAIL, World, run_cli, sign_in
from tests.served import served, snapshot

EVALUATION_LINK = re.compile(r"https?://[^/\s]+(/evaluation/\S+)")
REQUEST, REMINDER = "votre évaluation de la démarche", "Rappel : votre évaluation"


def _restitution_done(world: World) -> bool:
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        return (
            get_step(session=session, atelier=atelier, key="restitution_citoyens").status is StepStatus.DONE
        )


def _pass(world: World, days: float) -> None:
    world.clock.set(world.clock.now() + timedelta(days=days))
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))


def _received(world: World, subject: str) -> dict[str, str]:
    """Recipient address → plain text of the messages whose subject holds ``subject``."""
    found: dict[str, str] = {}
    for message in world.emails():
        if subject in str(message["Subject"]):
            to = message["To"].addresses[0].addr_spec
            assert to not in found, f"{to} received « {subject} » twice"
            body = message.get_body(("plain",))
            assert body is not None
            found[to] = body.get_content()
    return found


def _asked(world: World) -> tuple[list[str], list[str]]:
    """The e-mail addresses of the citizens, and of the COPIL members and the commanditaire."""
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)

        def emails(*roles: Role) -> list[str]:
            return sorted(
                {p.email for r in roles for p in people_with_role(session=session, atelier=atelier, role=r)}
            )

        return emails(Role.CITIZEN), emails(Role.COPIL_MEMBER, Role.COMMANDITAIRE)


def _responses(world: World) -> int:
    with transaction(world.runtime.engine) as session:
        return len(session.exec(select(EvaluationResponse)).all())


def test_the_survey_is_asked_once_answered_by_link_and_reminded_only_to_who_has_not_answered(
    world: World,
) -> None:
    """Once the restitution is done, every citizen, COPIL member and the commanditaire get one
    request; the page (GET) records nothing and asks a citizen about their view of public action, a
    COPIL member about the administration's practice; a choice that is not offered is refused with
    nothing written; the team's page shows the counts and the comment; two weeks on, only who has not
    answered is reminded; the public page counts the answers and shows no comment; once the
    evaluation step is done, the page refuses."""
    from atelier.web.app import create_app

    simulate(world.runtime, world.clock, lambda s, n: advance_without_prefect(world.runtime, s, n),
             until=lambda: _restitution_done(world))  # fmt: skip
    _pass(world, 0)
    _pass(world, 0.01)  # a second pass sends nothing twice
    citizens, institution = _asked(world)
    requests = _received(world, REQUEST)
    assert sorted(requests) == sorted(citizens + institution)
    assert _received(world, REMINDER) == {}
    citizen, member = citizens[0], institution[0]
    citizen_page = EVALUATION_LINK.search(requests[citizen])
    member_page = EVALUATION_LINK.search(requests[member])
    assert citizen_page is not None and member_page is not None
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site, timeout=20) as http:
        before = snapshot(world.runtime.engine, skip=("event",))
        shown = html.unescape(http.get(citizen_page.group(1)).text)
        assert "votre regard sur l'action publique" in shown and "pratiques de l'administration" not in shown
        assert snapshot(world.runtime.engine, skip=("event",)) == before  # a GET records nothing
        refused = http.post(citizen_page.group(1), data={"pertinence": "7", "organisation": "2"})
        assert refused.status_code == 400 and "choisissez l'une des réponses proposées" in html.unescape(
            refused.text
        )
        assert snapshot(world.runtime.engine, skip=("event",)) == before
        answer = {"pertinence": "3", "organisation": "2", "regard_action_publique": "2",
                  "commentaire": "Trop peu de temps pour les auditions."}  # fmt: skip
        done = http.post(citizen_page.group(1), data=answer)
        assert done.status_code == 200 and "vos réponses sont enregistrées" in html.unescape(done.text)
        member_shown = html.unescape(http.get(member_page.group(1)).text)
        assert "pratiques de l'administration" in member_shown and "regard sur l'action" not in member_shown
        with transaction(world.runtime.engine) as session:
            add_account(session=session, email=TEAM_EMAIL, full_name=TEAM[0], is_admin=False,
                        now=world.clock.now())  # fmt: skip
        sign_in(world, http, TEAM_EMAIL)
        team_page = html.unescape(http.get(f"/espace/{world.slug}/avis").text)
        assert (
            "Citoyens : 1 réponse sur" in team_page and "Trop peu de temps pour les auditions." in team_page
        )
        _pass(world, 14)
        reminded = _received(world, REMINDER)
        assert sorted(reminded) == sorted(set(citizens + institution) - {citizen})
        public = html.unescape(http.get(f"/public/{world.slug}").text)
        assert f"citoyens : 1 réponse sur {len(citizens)} personnes sollicitées" in public
        assert f"commanditaire et COPIL : 0 réponse sur {len(institution)} personnes" in public
        assert "Citoyens — La démarche était-elle pertinente" in public
        assert "Trop peu de temps" not in public
        assert run_cli(world, "step", "done", world.slug, "evaluation", "--date",
                    world.clock.now().date().isoformat())[0] == 0  # fmt: skip
        closed = http.post(citizen_page.group(1), data={"pertinence": "0"})
    assert closed.status_code == 400 and "L'évaluation est close" in html.unescape(closed.text)
    assert _responses(world) == 1
