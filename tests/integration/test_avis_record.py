"""The droit de suite over the command line and real HTTP: the avis recorded as validated and
frozen, a reasoned answer to each proposal, and the public record with nothing personal in it."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import httpx
from sqlmodel import func, select

from atelier.db import transaction
from atelier.demo.cast import TEAM
from atelier.services.accounts import add_account
from atelier.services.ateliers import get_atelier
from atelier.services.people import people_with_role
from models import AvisProposal, AvisVersion, ProposalAnswer
from models.enums import Role
from tests.integration.helpers import (
    ANSWERS,
    AVIS_PROPOSALS,
    World,
    answer_gate_approved,
    record_the_avis,
    run_cli,
)
from tests.served import served


def _rows(world: World) -> tuple[int, int, int]:
    with transaction(world.runtime.engine) as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(table)).one()
            for table in (AvisVersion, AvisProposal, ProposalAnswer)
        )


def test_the_validated_avis_is_frozen_and_a_change_is_a_new_version_saying_what_changed(
    world: World, tmp_path: Path
) -> None:
    """Version 1 with its three proposals and digest; the same file again, or a changed one without
    a note, is refused and writes nothing; with a note it becomes version 2, version 1 untouched."""
    code, out, err = record_the_avis(world, tmp_path)
    assert code == 0, err
    assert "Avis enregistré (version 1, 3 propositions)" in out
    assert _rows(world) == (1, 3, 0)
    code, _, err = record_the_avis(world, tmp_path)
    assert code == 1 and "identique à la version 1" in err
    changed = AVIS_PROPOSALS.replace("dans les bourgs", "dans les bourgs-centres")
    code, _, err = record_the_avis(world, tmp_path, proposals=changed)
    assert code == 1 and "l'avis publié (version 1) ne se modifie pas" in err
    assert _rows(world) == (1, 3, 0)
    code, out, err = record_the_avis(
        world, tmp_path, "--note", "Correction du texte de la proposition 3", proposals=changed
    )
    assert code == 0 and "version 2" in out, err
    with transaction(world.runtime.engine) as session:
        first = session.exec(select(AvisProposal).where(AvisProposal.number == 3)).first()
        assert first is not None and first.text.endswith("dans les bourgs.")


def test_every_answer_but_retenue_needs_its_reason_and_publication_waits_for_every_proposal(
    world: World, tmp_path: Path
) -> None:
    """A « non retenue » without a reason refuses the whole file (nothing written); a proposal the
    avis does not have is refused; publishing with a proposal unanswered is refused; then published."""
    assert record_the_avis(world, tmp_path)[0] == 0
    sheet = tmp_path / "reponses.csv"
    sheet.write_bytes(ANSWERS.replace("Le coût n'est pas soutenable en 2028.", "").encode("cp1252"))
    code, _, err = run_cli(world, "avis", "repondre", world.slug, "--fichier", str(sheet))
    assert (
        code == 1 and "réponses, ligne 3 : proposition n°2 « non retenue » : le motif est obligatoire" in err
    )
    code, _, err = run_cli(world, "avis", "repondre", world.slug, "--numero", "9", "--statut", "retenue")
    assert code == 1 and "la proposition n°9 n'existe pas dans l'avis (version 1)" in err
    assert _rows(world) == (1, 3, 0)
    code, _, err = run_cli(world, "avis", "repondre", world.slug, "--numero", "1", "--statut", "retenue")
    assert code == 0, err
    answer_gate_approved(world)
    code, _, err = run_cli(world, "avis", "publier-reponses", world.slug)
    assert code == 1 and "pas de publication : sans réponse, n°2, n°3" in err
    sheet.write_bytes(ANSWERS.encode("cp1252"))
    assert run_cli(world, "avis", "repondre", world.slug, "--fichier", str(sheet))[0] == 0
    code, out, err = run_cli(world, "avis", "publier-reponses", world.slug)
    assert code == 0 and "3 réponses publiées." in out, err


def _citizens_contacts(world: World) -> list[str]:
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        people = people_with_role(session=session, atelier=atelier, role=Role.CITIZEN)
        contacts = [text for p in people for text in (p.email, p.full_name)]
    assert len(contacts) >= 2 * 15  # the demo's 15 citizens, each with a name and an address
    return contacts


def test_the_public_record_shows_the_answers_by_status_with_nothing_personal(
    world: World, tmp_path: Path
) -> None:
    """No sign-in: the page gives the identity card, each proposal with its published answer and
    reason, and the count by status; JSON and CSV say the same; no citizen's name or e-mail is in
    any of them; « atelier publier » writes the same three files and the mandat."""
    from atelier.web.app import create_app

    assert record_the_avis(world, tmp_path)[0] == 0
    sheet = tmp_path / "reponses.csv"
    sheet.write_bytes(ANSWERS.encode("cp1252"))
    assert run_cli(world, "avis", "repondre", world.slug, "--fichier", str(sheet))[0] == 0
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site) as http:
        before = html.unescape(http.get(f"/public/{world.slug}").text)
        assert "La réponse du commanditaire n'est pas encore publiée." in before  # recorded, not published
        answer_gate_approved(world)
        assert run_cli(world, "avis", "publier-reponses", world.slug)[0] == 0
        page = http.get(f"/public/{world.slug}")
        data = http.get(f"/public/{world.slug}/avis.json").json()
        rows = list(
            csv.DictReader(
                io.StringIO(http.get(f"/public/{world.slug}/reponses.csv").content.decode("utf-8-sig")),
                delimiter=";",
            )
        )
    shown = html.unescape(page.text)
    assert page.status_code == 200 and "Carte d'identité de la démarche" in shown
    assert (
        "Proposition n°2 : Un forfait mobilité rurale" in shown
        and "Motif : Le coût n'est pas soutenable en 2028." in shown
    )
    assert "(soutenue par 60\xa0% des citoyens)" in shown
    assert data["summary"] == {"retenue": 1, "retenue en partie": 0, "à l'étude": 1, "non retenue": 1}
    assert [(r["numero"], r["statut"]) for r in rows] == [
        ("1", "retenue"),
        ("2", "non retenue"),
        ("3", "à l'étude"),
    ]
    everything = shown + json.dumps(data, ensure_ascii=False) + "".join(str(r) for r in rows)
    assert not [text for text in _citizens_contacts(world) if text in everything]
    out = tmp_path / "public"
    code, printed, err = run_cli(world, "publier", world.slug, "--out", str(out))
    assert code == 0, err
    assert "retenue : 1 ; retenue en partie : 0 ; à l'étude : 1 ; non retenue : 1" in printed
    assert sorted(p.name for p in out.iterdir()) == ["avis.json", "index.html", "mandat.html", "reponses.csv"]
    assert "Proposition n°3 : Des tiers-lieux de proximité" in (out / "index.html").read_text(
        encoding="utf-8"
    )


def test_the_team_records_the_avis_and_answers_from_the_workspace(world: World, tmp_path: Path) -> None:
    """From the avis page: the text typed and the proposals as a file make version 1, published
    after its confirmation; a « non retenue » typed without its reason is refused (nothing
    written), with it is saved; the public page shows it once published, and a follow-up step
    (its link only https://)."""
    from atelier.web.app import create_app
    from tests.integration.helpers import TEAM_EMAIL, csrf_of, sign_in, to_avis_weekend

    with transaction(world.runtime.engine) as session:
        add_account(
            session=session, email=TEAM_EMAIL, full_name=TEAM[0], is_admin=False, now=world.clock.now()
        )
    to_avis_weekend(world)
    path = f"/espace/{world.slug}/avis"
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site, timeout=20) as http:
        sign_in(world, http, TEAM_EMAIL)
        csrf = csrf_of(http.get(path))
        sent = http.post(
            f"{path}/texte",
            data={"csrf": csrf, "texte": "Nous recommandons.", "valide_le": "2027-04-25"},
            files={"propositions": ("propositions.csv", AVIS_PROPOSALS.encode("cp1252"), "text/csv")},
        )
        assert sent.status_code == 303, sent.text
        assert "Avis enregistré (version 1, 3 propositions) : relisez son aperçu" in html.unescape(
            http.get(sent.headers["location"]).text
        )
        confirmed = http.post(f"{path}/publication", data={"csrf": csrf, "confirme": "oui"})
        assert confirmed.status_code == 303
        refused = http.post(
            f"{path}/reponses/2",
            data={
                "csrf": csrf,
                "statut": "non_retenue",
                "motif": " ",
                "porteur": "DGITM",
                "echeance": "2027-12-31",
            },
        )
        assert refused.status_code == 400
        shown = html.unescape(refused.text)
        assert "Proposition n°2 « non retenue » : le motif est obligatoire" in shown
        # What was typed stays in the form, opened, for the missing field to be added.
        assert "<details open>\n<summary>Proposition n°2" in shown
        assert (
            'value="non_retenue" selected' in shown
            and 'name="porteur" type="text" maxlength="300" value="DGITM"' in shown
        )
        assert 'id="echeance-2" name="echeance" type="date" value="2027-12-31"' in shown
        assert _rows(world) == (1, 3, 0)
        form = {"csrf": csrf, "statut": "non_retenue", "motif": "Coût trop élevé.", "echeance": "2027-12-31"}
        assert http.post(f"{path}/reponses/2", data=form).status_code == 303
        answer_gate_approved(world)
        published = http.post(f"{path}/publier", data={"csrf": csrf})
        assert published.status_code == 400 and "sans réponse, n°1, n°3" in html.unescape(published.text)
        for number in ("1", "3"):
            http.post(f"{path}/reponses/{number}", data={"csrf": csrf, "statut": "retenue"})
        assert http.post(f"{path}/publier", data={"csrf": csrf}).status_code == 303
        step = {"csrf": csrf, "etat": "en_cours", "texte": "Étude de coût lancée.", "lien": "ftp://x"}
        refused = http.post(f"{path}/suivi/2", data=step)
        assert refused.status_code == 400 and "adresse https://" in html.unescape(refused.text)
        assert (
            http.post(f"{path}/suivi/2", data=step | {"lien": "https://www.example.gouv.fr/e"}).status_code
            == 303
        )
        public = html.unescape(http.get(f"/public/{world.slug}").text)
    assert "Motif : Coût trop élevé." in public and "Échéance : 31/12/2027." in public
    assert "en cours : Étude de coût lancée." in public


def test_the_mandat_de_participation_is_drafted_from_the_atelier_with_nothing_personal(
    world: World, tmp_path: Path
) -> None:
    """The mandat states the question, the weekends with their dates and place, the indemnity,
    the commanditaire's answer within two months, and the steps after the avis; no name of a
    citizen or COPIL member appears in it."""
    from atelier.demo.cast import CITIZENS, COPIL

    out = tmp_path / "mandat.html"
    code, printed, err = run_cli(world, "mandat", world.slug, "--out", str(out))
    assert code == 0 and "relisez-le avant de l'envoyer" in printed, err
    text = html.unescape(out.read_text(encoding="utf-8"))
    assert "Quelles solutions de mobilité" in text and "« Premier week-end »" not in text
    assert re.search(r"Premier week-end</th><td>du samedi \d+ \w+ 2027 à 10h00 au dimanche", text)
    assert "dans un délai d'environ 2 mois" in text and "Réponse motivée et publique du commanditaire" in text
    assert "Salle des conférences, 20 avenue de Ségur" in text and "80 € par journée de présence" in text
    assert not [name for name in (*CITIZENS, *COPIL) if name in text]


def test_the_avis_waits_for_its_weekend_a_past_date_and_a_preview_before_it_is_public(
    world: World, tmp_path: Path
) -> None:
    """Before the second weekend the avis is refused, saying from when; a validation date in the
    future is refused and the typed text stays in the form; recorded, it shows as a preview on the
    avis page and not on the public page; « Publier » asks to confirm, then it is public. Nothing
    is written by any refusal."""
    from atelier.web.app import create_app
    from tests.integration.helpers import TEAM_EMAIL, csrf_of, sign_in, to_avis_weekend
    from tests.served import snapshot

    with transaction(world.runtime.engine) as session:
        add_account(
            session=session, email=TEAM_EMAIL, full_name=TEAM[0], is_admin=False, now=world.clock.now()
        )
    path = f"/espace/{world.slug}/avis"
    typed = "Nous, citoyens, recommandons des navettes."
    proposals = {"propositions": ("propositions.csv", AVIS_PROPOSALS.encode("cp1252"), "text/csv")}
    with served(create_app(world.runtime)) as site, httpx.Client(base_url=site, timeout=20) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(path)
        assert "il s'enregistre à partir du samedi 24 avril 2027 à 10h00" in html.unescape(page.text)
        csrf = csrf_of(page)
        before = snapshot(world.runtime.engine, skip=("web_session",))
        early = http.post(
            f"{path}/texte", data={"csrf": csrf, "texte": typed, "valide_le": "2027-01-11"}, files=proposals
        )
        assert early.status_code == 400
        assert "L'avis est validé par les citoyens au « Second week-end »" in html.unescape(early.text)
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
        to_avis_weekend(world)
        sign_in(world, http, TEAM_EMAIL)  # months later
        csrf = csrf_of(http.get(path))
        before = snapshot(world.runtime.engine, skip=("web_session",))
        future = http.post(
            f"{path}/texte", data={"csrf": csrf, "texte": typed, "valide_le": "2027-05-02"}, files=proposals
        )
        shown = html.unescape(future.text)
        assert future.status_code == 400 and "La date de validation (02/05/2027) est dans le futur" in shown
        assert f">{typed}</textarea>" in shown and 'value="2027-05-02"' in shown
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
        recorded = http.post(
            f"{path}/texte", data={"csrf": csrf, "texte": typed, "valide_le": "2027-04-25"}, files=proposals
        )
        assert recorded.status_code == 303
        preview = html.unescape(http.get(path).text)
        assert "Version 1 de l'avis, à publier" in preview and f"<p>{typed}</p>" in preview
        assert "Un forfait mobilité rurale" in preview
        public = html.unescape(http.get(f"/public/{world.slug}").text)
        assert typed not in public and "Un forfait mobilité rurale" not in public
        before = snapshot(world.runtime.engine, skip=("web_session",))
        asked = http.post(f"{path}/publication", data={"csrf": csrf})
        assert asked.status_code == 200 and "Publier la version 1 de l'avis ?" in html.unescape(asked.text)
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
        assert http.post(f"{path}/publication", data={"csrf": csrf, "confirme": "oui"}).status_code == 303
        public = html.unescape(http.get(f"/public/{world.slug}").text)
        assert "Un forfait mobilité rurale" in public
        again = http.post(f"{path}/publication", data={"csrf": csrf, "confirme": "oui"})
        assert again.status_code == 400
        assert "Aucune version de l'avis n'attend d'être publiée" in html.unescape(again.text)
