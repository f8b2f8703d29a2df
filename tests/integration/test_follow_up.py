"""Following the avis over months: updates and changes of status reach each citizen in one digest
a week at most, through the real SMTP server; a citizen who stops them hears no more."""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx
from sqlmodel import select

from atelier.db import transaction
from models import FollowUpStop
from tests.integration.helpers import (
    ANSWERS,
    World,
    answer_gate_approved,
    answers_published,
    pass_step,
    record_the_avis,
    run_cli,
)
from tests.served import served

STOP_LINK = re.compile(r"https?://\S+(/suivi/arret/\S+)")


def _digests(world: World) -> list[tuple[str, str]]:
    """(recipient, plain text) of every follow-up digest delivered so far."""
    found = []
    for message in world.emails():
        if "les suites données à votre avis" in message["Subject"]:
            body = message.get_body(("plain",))
            assert body is not None
            found.append((message["To"].addresses[0].addr_spec, body.get_content().replace("\r\n", "\n")))
    return found


def _stops(world: World) -> int:
    with transaction(world.runtime.engine) as session:
        return len(session.exec(select(FollowUpStop)).all())


def test_changes_of_a_week_make_one_digest_per_citizen_and_a_stop_holds(world: World, tmp_path: Path) -> None:
    """Answers published; in the week that follows, two updates and a changed status: nothing is
    sent before the week is over, then one digest per citizen holding all three; the stop link's
    page changes nothing, its button stops them, and next week's digest skips that citizen."""
    from atelier.web.app import create_app

    answers_published(world, tmp_path)
    pass_step(world, 1)
    code, _, err = run_cli(world, "avis", "suivi", world.slug, "1", "--etat", "en cours", "--texte",
                        "Douze intercommunalités retenues pour l'expérimentation.",
                        "--lien", "https://www.example.gouv.fr/navettes")  # fmt: skip
    assert code == 0, err
    pass_step(world, 2)
    again = ["--numero", "3", "--statut", "retenue en partie", "--motif", "Deux tiers-lieux par département."]
    assert run_cli(world, "avis", "repondre", world.slug, *again)[0] == 0
    assert run_cli(world, "avis", "publier-reponses", world.slug)[0] == 0
    pass_step(world, 2)
    assert run_cli(world, "avis", "suivi", world.slug, "2", "--etat", "abandonnée", "--texte", "Fin.")[0] == 0
    pass_step(world, 1.5)
    assert _digests(world) == []  # six and a half days: the week is not over
    pass_step(world, 1)
    pass_step(world, 0.1)  # a second pass queues nothing twice
    first = _digests(world)
    assert len(first) == 15 and len({to for to, _ in first}) == 15
    text = first[0][1]
    assert (
        "Proposition n°1 « Des navettes à la demande »\n- point d'étape (en cours) : Douze intercommunalités"
        in text
    )
    assert (
        "- réponse : « à l'étude » devient « retenue en partie »\n- motif : Deux tiers-lieux par département."
        in text
    )
    assert "- point d'étape (abandonnée) : Fin." in text
    leaving, body = first[0]
    link = STOP_LINK.search(body)
    assert link is not None
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site) as http:
        page = http.get(link.group(1))
        assert page.status_code == 200 and "Ne plus recevoir ces nouvelles" in page.text
        assert _stops(world) == 0  # a mail scanner opening the link stops nothing
        pass_step(world, 0)
        later = ["2", "--etat", "à venir", "--texte", "Un nouvel examen en 2029."]
        assert run_cli(world, "avis", "suivi", world.slug, *later)[0] == 0
        done = http.post(link.group(1))
        assert done.status_code == 200 and "vous ne recevrez plus ces nouvelles" in html.unescape(done.text)
    pass_step(world, 7)
    second = [to for to, body in _digests(world)[15:]]
    assert len(second) == 14 and leaving not in second


def test_an_update_with_a_link_that_is_not_https_is_refused_and_nothing_is_written(
    world: World, tmp_path: Path
) -> None:
    """The evidence link must be an https address; an unknown state is refused with the accepted ones."""
    assert record_the_avis(world, tmp_path)[0] == 0
    code, _, err = run_cli(world, "avis", "suivi", world.slug, "1", "--etat", "en cours", "--texte", "x",
                        "--lien", "javascript:alert(1)")  # fmt: skip
    assert code == 1 and "le lien vers la pièce doit être une adresse https://…" in err
    code, _, err = run_cli(world, "avis", "suivi", world.slug, "1", "--etat", "bientôt", "--texte", "x")
    assert code == 1 and "état « bientôt » inconnu : à venir, en cours, réalisée, abandonnée" in err
    pass_step(world, 8)
    assert _digests(world) == []


def test_the_team_is_reminded_of_a_proposal_under_study_left_without_news(
    world: World, tmp_path: Path
) -> None:
    """Proposal 3 is « à l'étude »: nothing at 59 days, one reminder to each team member at 61
    days (once, however many passes), and after a follow-up step the count starts again."""
    from atelier.demo.cast import TEAM

    answers_published(world, tmp_path)

    def reminders() -> list[str]:
        return [
            m["To"].addresses[0].display_name
            for m in world.emails()
            if "la proposition n°3 attend des nouvelles" in m["Subject"]
        ]

    pass_step(world, 59)
    assert reminders() == []
    pass_step(world, 2)
    pass_step(world, 1)
    assert sorted(reminders()) == sorted(TEAM)
    assert (
        run_cli(world, "avis", "suivi", world.slug, "3", "--etat", "en cours", "--texte", "Mission lancée.")[
            0
        ]
        == 0
    )
    pass_step(world, 59)
    assert len(reminders()) == len(TEAM)
    pass_step(world, 2)
    assert len(reminders()) == 2 * len(TEAM)


def test_nothing_of_the_follow_up_is_public_or_told_before_the_answers_are_published(
    world: World, tmp_path: Path
) -> None:
    """A follow-up step recorded while the answer awaits its approval is neither on the public page
    nor in any letter; once the answers are published it is told in the first week's letter."""
    from atelier.services.ateliers import get_atelier
    from atelier.services.public_record import public_record

    assert record_the_avis(world, tmp_path)[0] == 0
    sheet = tmp_path / "reponses.csv"
    sheet.write_bytes(ANSWERS.encode("cp1252"))
    assert run_cli(world, "avis", "repondre", world.slug, "--fichier", str(sheet))[0] == 0
    assert (
        run_cli(world, "avis", "suivi", world.slug, "1", "--etat", "en cours", "--texte", "Appel lancé.")[0]
        == 0
    )

    def shown() -> bool:
        with transaction(world.runtime.engine) as session:
            record = public_record(session=session, atelier=get_atelier(session=session, slug=world.slug))
        return any(u.text == "Appel lancé." for p in record.proposals for u in p.updates)

    pass_step(world, 8)
    assert not shown() and _digests(world) == []
    answer_gate_approved(world)
    assert run_cli(world, "avis", "publier-reponses", world.slug)[0] == 0
    assert shown()
    pass_step(world, 7.1)
    first = _digests(world)
    assert len(first) == 15 and "point d'étape (en cours) : Appel lancé." in first[0][1]
