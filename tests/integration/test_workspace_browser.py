"""The workspace in a real Chromium: signing in through the e-mail that reached the SMTP server,
reading the Gantt chart, recording a step; axe-core finds no accessibility violation on any page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from atelier.db import transaction
from atelier.demo.cast import COPIL, TEAM, _email
from atelier.services.accounts import add_account
from atelier.services.ateliers import AtelierCreate, create_atelier, get_atelier
from atelier.services.gates import get_gate
from atelier.web.app import create_app
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import World, latest_link, new_link, until_open
from tests.served import served

pytestmark = pytest.mark.browser

SCREENSHOTS = Path("test-artifacts/screenshots")
ADMIN = "ada.admin@example.org"


@pytest.fixture
def site(world: World) -> Iterator[str]:
    with transaction(world.runtime.engine) as session:
        for name in (TEAM[0], COPIL[0]):
            add_account(
                session=session, email=_email(name), full_name=name, is_admin=False, now=world.clock.now()
            )
        add_account(session=session, email=ADMIN, full_name="Ada Admin", is_admin=True, now=world.clock.now())
    with served(create_app(world.runtime)) as url:
        yield url


def _deliver(world: World) -> None:
    # Playwright's sync API keeps an event loop in this thread; the dispatcher runs its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(drain, dispatcher_for(world.runtime)).result()


def _link_in_mailbox(world: World, address: str) -> str:
    for message in reversed(world.emails()):
        if message["To"].addresses[0].addr_spec == address:
            body = message.get_body(("plain",))
            assert body is not None
            found = re.search(r"https?://\S+/connexion/\S+", body.get_content())
            assert found
            return found.group(0)
    raise AssertionError(f"no sign-in e-mail for {address}")


def _accessible(page: Page, name: str) -> None:
    """axe-core on the page as shown: no violation of any impact; a screenshot kept for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    violations = [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]]
    assert violations == [], violations


def _sign_in(world: World, site: str, page: Page, address: str) -> None:
    previous = latest_link(world, address)
    page.goto(f"{site}/connexion")
    _accessible(page, "connexion")
    page.get_by_label("Adresse e-mail").fill(address)
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    expect(page.get_by_role("status")).to_contain_text("un lien de connexion valable 15 minutes")
    new_link(world, address, previous)  # queued once the page was answered
    _deliver(world)
    link = _link_in_mailbox(world, address)
    page.goto(link.replace(world.runtime.settings.public_base_url.rstrip("/"), site))
    _accessible(page, "connexion-lien")
    page.get_by_role("button", name="Me connecter").click()


def test_a_team_member_signs_in_reads_the_gantt_and_records_a_step(
    world: World, site: str, page: Page
) -> None:
    """From the e-mail to the recorded step, through the pages a team member uses, all accessible."""
    _sign_in(world, site, page, _email(TEAM[0]))
    expect(page.get_by_role("heading", name="Ateliers")).to_be_visible()
    _accessible(page, "ateliers")
    page.get_by_role("link", name="Atelier citoyen sur les mobilités dans les territoires ruraux").click()
    # For the team the chart is a group of links: every step's page, a COPIL meeting's too.
    expect(page.get_by_role("group", name="Calendrier de l'atelier")).to_be_visible()
    expect(page.locator('[data-etape="weekend_1"] rect.prevision')).to_have_count(1)
    expect(page.locator('.gantt [data-etape="copil_1"] a')).to_have_attribute(
        "href", re.compile("/etapes/copil_1$")
    )
    expect(page.locator("#etape-copil_1").get_by_role("link")).to_have_count(1)
    _accessible(page, "atelier")
    page.locator("#etape-reunion_demande").get_by_role("link", name=re.compile("^Réunion de travail")).click()
    _accessible(page, "etape")
    page.get_by_role("button", name=re.compile("Enregistrer « Réunion")).click()
    expect(page.get_by_role("status")).to_contain_text("enregistrée comme faite")
    expect(page.locator("#etape-reunion_demande")).to_contain_text("faite")
    # Moving COPIL n°1: htmx shows what it will send in the page, without leaving it.
    page.goto(f"{site}/espace/{world.slug}/etapes/copil_1")
    planned = page.get_by_label("Nouvelle date").input_value()
    page.get_by_label("Nouvelle date").fill((date.fromisoformat(planned) + timedelta(days=1)).isoformat())
    page.get_by_label("Heure de début (Paris)").fill("15:00")
    page.get_by_label("Motif (obligatoire, pour le journal)").fill("Salle indisponible")
    page.get_by_role("button", name="Voir ce que le déplacement enverra").click()
    expect(page.locator("#apercu-deplacement")).to_contain_text("« COPIL n°1 » :")
    assert page.url.endswith("/etapes/copil_1")  # updated in place: no page was loaded
    _accessible(page, "etape-deplacement")
    page.get_by_role("button", name="Confirmer le déplacement").click()
    expect(page.get_by_role("status")).to_contain_text("Rendez-vous « COPIL n°1 » déplacé au")
    # The team's other pages, each checked as shown.
    page.get_by_role("link", name="Messages").click()
    _accessible(page, "messages")
    page.goto(f"{site}/espace/{world.slug}/recrutement")
    expect(page.get_by_label("Inscriptions des volontaires")).to_be_visible()
    _accessible(page, "recrutement")
    page.goto(f"{site}/espace/{world.slug}/avis")
    expect(page.get_by_label("Texte de l'avis, tel que validé")).to_be_visible()
    _accessible(page, "avis et réponses")
    page.goto(f"{site}/espace/{world.slug}/mandat")
    expect(page.get_by_role("heading", name="Nos engagements")).to_be_visible()
    _accessible(page, "mandat de participation")
    page.goto(f"{site}/espace/{world.slug}/journal")
    _accessible(page, "journal")
    # Choosing a kind of event filters the table in place (htmx), and the address keeps the filter.
    page.get_by_label("Type d'événement").select_option(label="rendez-vous déplacé par l'équipe")
    expect(page.locator("#journal")).to_contain_text("Salle indisponible")
    expect(page.locator("#journal tbody tr")).to_have_count(1)
    assert "type=event_rescheduled" in page.url
    page.get_by_role("link", name="Agenda").click()
    page.get_by_role("button", name=re.compile("Créer une adresse")).click()
    expect(page.get_by_role("status")).to_contain_text("adresse d'abonnement")
    _accessible(page, "agenda")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()


def test_a_copil_member_reads_the_atelier_but_cannot_record(world: World, site: str, page: Page) -> None:
    """A COPIL member sees the chart and the steps, without any link to record one."""
    _sign_in(world, site, page, _email(COPIL[0]))
    page.goto(f"{site}/espace/{world.slug}")
    expect(page.get_by_role("img", name="Calendrier de l'atelier")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Réunion de travail de la demande"))).to_have_count(0)
    _accessible(page, "atelier-copil")


def test_an_administrator_creates_an_atelier_and_imports_its_people(
    world: World, site: str, page: Page, tmp_path: Path
) -> None:
    """The creation form, then an .xlsx with French headers previewed and imported, pages accessible."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Prénom", "Nom", "Adresse e-mail", "Rôle"])
    sheet.append(["Léa", "Martin", "lea.martin@example.org", "citoyen"])
    sheet.append(["Yves", "Roy", "yves.roy@example.org", "membre du COPIL"])
    workbook = tmp_path / "participants.xlsx"
    book.save(workbook)
    _sign_in(world, site, page, ADMIN)
    page.get_by_role("link", name="Créer un atelier").click()
    _accessible(page, "nouvel-atelier")
    page.get_by_label("Titre (obligatoire)").fill("Musées pour tous")
    page.get_by_label("Commanditaire (obligatoire)").fill("Ministère chargé de la Culture")
    page.get_by_label("Question posée aux citoyens (obligatoire)").fill("Comment ouvrir les musées à tous ?")
    page.get_by_label("Date de la décision de tenir l'atelier (obligatoire)").fill(
        world.clock.now().date().isoformat()
    )
    page.get_by_label("Département du lieu").fill("69")
    page.get_by_role("button", name="Créer l'atelier et planifier son calendrier").click()
    expect(page.get_by_role("heading", name="Musées pour tous")).to_be_visible()
    page.get_by_role("link", name="Personnes").click()
    page.get_by_role("link", name="Importer un tableur").click()
    page.get_by_label("Fichier").set_input_files(str(workbook))
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_role("table")).to_contain_text("lea.martin@example.org")
    _accessible(page, "import-apercu")
    page.get_by_role("button", name="Importer ces 2 personnes").click()
    expect(page.get_by_role("status")).to_contain_text("2 personnes importées.")
    _accessible(page, "personnes")
    page.get_by_role("link", name="Modifier Léa Martin").click()
    page.get_by_label("Organisation").fill("Association des habitants")
    _accessible(page, "personne-modifier")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_role("status")).to_contain_text("Les coordonnées sont modifiées.")
    page.get_by_role("link", name="Comptes").click()
    page.get_by_label("Nom complet (obligatoire)").fill("Nina Team")
    page.get_by_label("Adresse e-mail (obligatoire, sert à se connecter)").fill("nina.team@example.org")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Compte créé : un message indique à la personne comment se connecter."
    )
    _accessible(page, "comptes")


def test_a_copil_member_opens_the_document_and_decides(
    world: World, site: str, page: Page, tmp_path: Path
) -> None:
    """The team attaches the document to the open gate; the COPIL member downloads it and decides."""
    from tests.integration.helpers import until_open

    with ThreadPoolExecutor(1) as pool:
        pool.submit(until_open, world, "cahier_des_charges_valide").result()
    document = tmp_path / "cahier-des-charges.pdf"
    document.write_bytes(b"%PDF-1.4\n% cahier\n%%EOF\n")
    _sign_in(world, site, page, _email(TEAM[0]))
    page.goto(f"{site}/espace/{world.slug}/decisions")
    page.get_by_label(re.compile("Joindre un document")).first.set_input_files(str(document))
    page.get_by_role("button", name="Joindre", exact=True).first.click()
    expect(page.get_by_role("status")).to_contain_text("Document « cahier-des-charges.pdf » joint.")
    _accessible(page, "decisions-equipe")
    page.goto(f"{site}/espace/{world.slug}/messages?etat=envoyes")
    page.get_by_role("row").nth(1).get_by_role("link").click()
    expect(page.get_by_role("heading", name="Tel que le destinataire le lit")).to_be_visible()
    _accessible(page, "message")
    page.get_by_role("button", name="Se déconnecter").click()
    _sign_in(world, site, page, _email(COPIL[0]))
    page.goto(f"{site}/espace/{world.slug}/decisions")
    with page.expect_download() as download:
        page.get_by_role("link", name="cahier-des-charges.pdf").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    page.get_by_label("Approuver").check()
    page.get_by_role("button", name="Enregistrer ma décision").click()
    expect(page.get_by_role("status")).to_contain_text("Décision enregistrée : approuvé.")
    _accessible(page, "decisions-membre")


def test_the_lottery_report_reads_in_a_browser_with_its_chart_named(page: Page, tmp_path: Path) -> None:
    """The report written by « atelier panel lottery » opens from disk, its chart is an image
    with a name, and axe-core finds no violation."""
    from atelier.panel.run import run_lottery, write_results
    from tests.integration.recruitment_helpers import lottery_files

    pool, quotas = lottery_files(tmp_path)
    out = tmp_path / "resultats"
    write_results(run_lottery(pool, quotas, 20, "4 8 15"), "4 8 15", out)
    page.goto((out / "report.html").as_uri())
    expect(
        page.get_by_role("img", name=re.compile("Probabilité de sélection de chaque volontaire"))
    ).to_be_visible()
    expect(page.get_by_role("table", name="Répartition des probabilités de sélection")).to_be_visible()
    _accessible(page, "rapport du tirage")


def test_the_public_record_reads_in_a_browser_without_signing_in(
    page: Page, site: str, world: World, tmp_path: Path
) -> None:
    """With the avis recorded and its answers published, the public page opens with no account,
    each proposal is a titled article, and axe-core finds no violation."""
    from tests.integration.helpers import answers_published

    answers_published(world, tmp_path)
    page.goto(f"{site}/public/{world.slug}")
    expect(page.get_by_role("article", name="Proposition n°2 : Un forfait mobilité rurale")).to_contain_text(
        "non retenue"
    )
    _accessible(page, "compte rendu public")


def _first_citizen_once_done(world: World, step_key: str) -> int:
    """The state once ``step_key`` is done (not the way there), and the first citizen's id."""
    from atelier.services.ateliers import get_atelier
    from atelier.services.people import people_with_role
    from atelier.services.timeline import get_step
    from models.enums import Role, StepStatus

    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        step = get_step(session=session, atelier=atelier, key=step_key)
        step.status, step.actual_end = StepStatus.DONE, world.clock.now()
        session.add(step)
        return people_with_role(session=session, atelier=atelier, role=Role.CITIZEN)[0].id or 0


def test_a_citizen_evaluates_the_demarche_in_a_browser_and_the_public_page_counts_it(
    page: Page, site: str, world: World
) -> None:
    """With the restitution done, a citizen's evaluation link opens the survey (each question a named
    group of radio buttons), their choice is recorded, and the public page counts it; axe-core finds
    no violation on either page."""
    citizen = _first_citizen_once_done(world, "restitution_citoyens")
    link = world.runtime.signer.evaluation_url(atelier=world.slug, person_id=citizen, now=world.clock.now())
    page.goto(link.replace(world.runtime.settings.public_base_url.rstrip("/"), site))
    relevance = page.get_by_role(
        "group", name="La démarche était-elle pertinente pour éclairer la question posée ?"
    )
    relevance.get_by_role("radio", name="Tout à fait").check()
    _accessible(page, "evaluation")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("status")).to_contain_text("vos réponses sont enregistrées")
    page.goto(f"{site}/public/{world.slug}")
    counts = page.get_by_role(
        "table", name="Citoyens — La démarche était-elle pertinente pour éclairer la question posée ?"
    )
    expect(counts.get_by_role("row", name="Tout à fait")).to_contain_text("1")
    _accessible(page, "compte rendu public avec evaluation")


def test_a_citizen_takes_a_seat_on_the_comite_de_suivi_in_a_browser(
    page: Page, site: str, world: World
) -> None:
    """With the avis handed over, a citizen's link to the comité de suivi shows its meetings in a
    table and takes a seat with one button; axe-core finds no violation."""
    citizen = _first_citizen_once_done(world, "remise_avis")
    link = world.runtime.signer.committee_url(atelier=world.slug, person_id=citizen, now=world.clock.now())
    page.goto(link.replace(world.runtime.settings.public_base_url.rstrip("/"), site))
    meetings = page.get_by_role("table", name="Les réunions du comité de suivi")
    expect(meetings.get_by_role("row", name=re.compile("Comité de suivi citoyen n°2"))).to_be_visible()
    _accessible(page, "comite de suivi")
    page.get_by_role("button", name="Me porter volontaire").click()
    expect(page.get_by_role("status")).to_contain_text("vous faites partie du comité de suivi")
    expect(page.get_by_role("button", name="Me retirer du comité de suivi")).to_be_visible()


def test_the_portfolio_of_fifty_ateliers_reads_in_a_browser_the_most_urgent_first(
    world: World, site: str, page: Page
) -> None:
    """An administrator's portfolio of 50 ateliers: the one with a decision past its deadline comes
    first, the filter keeps only those late; axe-core finds no violation, on a desktop and at 375 px."""
    with transaction(world.runtime.engine) as session:
        for number in range(49):
            create_atelier(
                session=session, now=world.clock.now(),
                atelier_in=AtelierCreate(
                    slug=f"atelier-{number:02}", title=f"Atelier n°{number:02}", commanditaire="Ministère",
                    question="Quelle question ?", decision_date=world.clock.now().date(),
                ),
            )  # fmt: skip
    with ThreadPoolExecutor(1) as pool:  # the simulation runs its own event loop, as _deliver does
        pool.submit(until_open, world, "copil_1").result()
    with transaction(world.runtime.engine) as session:
        gate = get_gate(session=session, atelier=get_atelier(session=session, slug=world.slug), key="copil_1")
        due = gate.due_at
    world.clock.set(due + timedelta(days=2))
    _sign_in(world, site, page, ADMIN)
    page.goto(f"{site}/espace")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(51)
    first = rows.nth(1)
    expect(first.get_by_role("rowheader")).to_contain_text("mobilités")
    expect(first).to_contain_text("en retard")
    expect(first).to_contain_text("COPIL n°1")
    _accessible(page, "portefeuille")
    page.get_by_label("Afficher").select_option("en_retard")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)
    page.set_viewport_size({"width": 375, "height": 800})
    _accessible(page, "portefeuille-375")


def test_a_team_member_changes_the_venue_in_the_browser(world: World, site: str, page: Page) -> None:
    """From the atelier's page to « Modifier l'atelier »: the form reads under axe at 1280 and 375 px,
    and the saved venue shows in the form again."""
    _sign_in(world, site, page, _email(TEAM[0]))
    page.goto(f"{site}/espace/{world.slug}")
    page.get_by_role("link", name="Modifier l'atelier").click()
    _accessible(page, "atelier-modifier")
    venue = "Salle Europe, 20 avenue de Ségur, Paris 7e"
    page.get_by_label("Lieu des week-ends").fill(venue)
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_role("status")).to_contain_text("Les informations de l'atelier sont enregistrées.")
    page.goto(f"{site}/espace/{world.slug}/modifier")
    expect(page.get_by_label("Lieu des week-ends")).to_have_value(
        "Salle Europe, 20 avenue de Ségur, Paris 7e"
    )
    page.set_viewport_size({"width": 375, "height": 800})
    _accessible(page, "atelier-modifier-375")
