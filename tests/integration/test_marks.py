"""The citizens' marks of the answer to each proposal: asked once by e-mail when the answers are
published, given through a signed page (GET shows, POST records), published as averages while
comments stay with the team."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import httpx
from sqlmodel import select

from atelier.db import transaction
from models import AnswerMark
from tests.integration.helpers import World, answers_published, pass_step, run_cli
from tests.served import served

MARKS_LINK = re.compile(r"https?://\S+(/appreciation/\S+)")


def _marks(world: World) -> list[tuple[int, int, str | None]]:
    with transaction(world.runtime.engine) as session:
        return sorted((m.number, m.mark, m.comment) for m in session.exec(select(AnswerMark)).all())


def test_a_citizen_marks_the_answers_and_the_public_record_shows_the_average_only(
    world: World, tmp_path: Path
) -> None:
    """15 invitations to mark, once each; the page writes nothing on GET; a mark of 11, or a comment
    without a mark, is refused and nothing is written; then two marks are recorded, marked again
    they replace the first ones, and the public page and CSV show the average, not the comment."""
    from atelier.web.app import create_app

    answers_published(world, tmp_path)
    pass_step(world, 0.01)
    pass_step(world, 0.01)
    asked = [m for m in world.emails() if "que pensez-vous de la réponse" in m["Subject"]]
    assert len(asked) == 15 and len({m["To"] for m in asked}) == 15
    body = asked[0].get_body(("plain",))
    assert body is not None
    link = MARKS_LINK.search(body.get_content())
    assert link is not None
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site) as http:
        page = http.get(link.group(1))
        assert page.status_code == 200 and "Proposition n°2 : Un forfait mobilité rurale" in html.unescape(
            page.text
        )
        assert _marks(world) == []
        for form, expected in (
            ({"note-1": "11"}, "Proposition n°1 : la note va de 0 à 10"),
            ({"note-1": "", "commentaire-1": "Bien."}, "Proposition n°1 : choisissez une note"),
        ):
            refused = http.post(link.group(1), data=form)
            assert refused.status_code == 400 and expected in html.unescape(refused.text)
            assert _marks(world) == []
        done = http.post(
            link.group(1), data={"note-1": "9", "note-2": "2", "commentaire-2": "Décevant, Amina"}
        )
        assert done.status_code == 200 and "2 notes enregistrées" in html.unescape(done.text)
        http.post(link.group(1), data={"note-1": "8", "note-2": "3", "commentaire-2": "Décevant, Amina"})
        assert _marks(world) == [(1, 8, None), (2, 3, "Décevant, Amina")]
        public = html.unescape(http.get(f"/public/{world.slug}").text)
        rows = list(
            csv.DictReader(
                io.StringIO(http.get(f"/public/{world.slug}/reponses.csv").content.decode("utf-8-sig")),
                delimiter=";",
            )
        )
    assert "Note des citoyens : 3,0 sur 10 (1 note)." in public and "Décevant" not in public
    assert [(r["numero"], r["note_moyenne_citoyens"], r["notes_citoyens"]) for r in rows] == [
        ("1", "8,0", "1"),
        ("2", "3,0", "1"),
        ("3", "", "0"),
    ]
    assert all(None not in r for r in rows)  # as many headers as cells


def test_a_mark_counts_for_the_answer_it_was_given_to_and_a_changed_answer_is_marked_anew(
    world: World, tmp_path: Path
) -> None:
    """A citizen marks proposals 1 and 3; the answer to n°3 then changes status and is published:
    the public average of n°3 drops the old mark while n°1 keeps its own, the citizen's page says
    their mark was of the previous answer, that week's digest invites them to mark again, and the
    new mark counts."""
    from atelier.web.app import create_app

    answers_published(world, tmp_path)
    pass_step(world, 0.01)
    body = next(m for m in world.emails() if "que pensez-vous de la réponse" in m["Subject"]).get_body(
        ("plain",)
    )
    assert body is not None
    link = MARKS_LINK.search(body.get_content())
    assert link is not None
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site) as http:
        assert http.post(link.group(1), data={"note-1": "8", "note-3": "4"}).status_code == 200
        changed = [
            "--numero",
            "3",
            "--statut",
            "retenue en partie",
            "--motif",
            "Deux tiers-lieux par département.",
        ]
        assert run_cli(world, "avis", "repondre", world.slug, *changed)[0] == 0
        assert run_cli(world, "avis", "publier-reponses", world.slug)[0] == 0
        public = html.unescape(http.get(f"/public/{world.slug}").text)
        assert "Note des citoyens : 8,0 sur 10 (1 note)." in public
        assert "Note des citoyens : 4,0" not in public
        page = html.unescape(http.get(link.group(1)).text)
        assert "votre note, qui portait sur la réponse « à l'étude » : notez la nouvelle réponse" in page
        pass_step(world, 7.1)
        digest = next(m for m in world.emails() if "les suites données à votre avis" in m["Subject"])
        text = digest.get_body(("plain",))
        assert text is not None and "Une réponse a changé ; pour la noter de nouveau :" in text.get_content()
        assert http.post(link.group(1), data={"note-3": "7"}).status_code == 200
        public = html.unescape(http.get(f"/public/{world.slug}").text)
    assert "Note des citoyens : 7,0 sur 10 (1 note)." in public
