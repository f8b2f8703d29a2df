"""The team's workspace over real HTTP: signing in by link, sessions, CSRF, who sees what."""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta

import httpx
from sqlmodel import col, select

from atelier.clock import PARIS
from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COPIL
from atelier.services.accounts import add_account
from models import Atelier, Event, OutboxMessage, Step
from models.enums import StepStatus
from tests.integration.helpers import (
    CITIZEN_EMAIL,
    COMMANDITAIRE_EMAIL,
    COPIL_EMAIL,
    OUTSIDER_EMAIL,
    TEAM_EMAIL,
    World,
    ask_link,
    csrf_of,
    http_client,
    latest_link,
    new_link,
    removal_id,
    sign_in,
    workspace_routes,
)
from tests.served import snapshot


def _without_tokens(page: httpx.Response) -> str:
    return re.sub(r'value="[^"]+"', "", page.text)


def test_a_team_member_signs_in_by_link_and_sees_the_atelier_and_its_gantt(world: World, site: str) -> None:
    """The link in the e-mail opens a page; its button signs in with an HttpOnly, SameSite cookie;
    the list and the atelier page (Gantt chart and table) follow."""
    with http_client(site) as http:
        signed = sign_in(world, http, TEAM_EMAIL)
        assert signed.status_code == 303 and signed.headers["location"] == "/espace"
        cookie = signed.headers["set-cookie"].lower()
        assert "atelier_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        listing = http.get("/espace")
        assert listing.status_code == 200
        assert "Atelier citoyen sur les mobilités" in listing.text and "Un autre atelier" not in listing.text
        page = http.get(f"/espace/{world.slug}")
        assert page.status_code == 200
        assert (
            "<svg" in page.text
            and 'data-etape="weekend_1"' in page.text
            and "échéance de l'avis" in page.text
        )
        assert "chemin critique" in page.text
        assert CITIZEN_EMAIL not in page.text


def test_a_sign_in_link_works_once_and_expires_after_fifteen_minutes(world: World, site: str) -> None:
    """Used once it is refused; unused, it is refused 16 minutes later."""
    with http_client(site) as http:
        ask_link(http, TEAM_EMAIL)
        token = new_link(world, TEAM_EMAIL)
        page = http.get(f"/connexion/{token}")
        assert http.post(f"/connexion/{token}", data={"csrf": csrf_of(page)}).status_code == 303
    with http_client(site) as http:
        page = http.get(f"/connexion/{token}")
        again = http.post(f"/connexion/{token}", data={"csrf": csrf_of(page)})
        assert again.status_code == 403 and "déjà été utilisé" in again.text
        ask_link(http, COPIL_EMAIL)
        late = new_link(world, COPIL_EMAIL)
        world.clock.advance(timedelta(minutes=16))
        expired = http.get(f"/connexion/{late}")
        assert expired.status_code == 403 and "a expiré" in expired.text


def test_asking_for_a_link_never_says_whether_an_address_has_an_account(world: World, site: str) -> None:
    """Known and unknown addresses get the same page; a fourth request in 15 minutes sends nothing."""
    with http_client(site) as http:
        unknown = ask_link(http, "personne@example.org")
        known = ask_link(http, TEAM_EMAIL)
        assert unknown.status_code == known.status_code == 200
        assert _without_tokens(unknown) == _without_tokens(known)
        new_link(world, TEAM_EMAIL)  # queued after the unknown address's request was handled
        assert latest_link(world, "personne@example.org") is None
        for _ in range(4):
            ask_link(http, TEAM_EMAIL)
        deadline = time.monotonic() + 10
        while len(_signin_links(world, TEAM_EMAIL)) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)  # the links are queued once the pages are answered
        ask_link(http, COPIL_EMAIL)
        new_link(world, COPIL_EMAIL)  # and the requests beyond the limit have had their turn
    assert len(_signin_links(world, TEAM_EMAIL)) == 3


def _signin_links(world: World, address: str) -> list[OutboxMessage]:
    with transaction(world.runtime.engine) as session:
        return list(
            session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "signin_link", OutboxMessage.recipient == address
                )
            ).all()
        )


def test_every_route_refuses_anonymous_requests_and_wrong_roles(world: World, site: str) -> None:
    """Anonymous: sent to sign in, actions refused. Citizen and outsider: nothing. COPIL member and
    commanditaire: read, never edit. Nothing is written by any refusal."""
    atelier_page, step_page = f"/espace/{world.slug}", f"/espace/{world.slug}/etapes/reunion_demande"
    before = snapshot(world.runtime.engine, skip=("event", "outbox_message", "web_session", "used_link"))
    with http_client(site) as http:
        for path in ("/espace", atelier_page, step_page):
            response = http.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/connexion"
        assert http.post(step_page, data={"date": "2027-01-18", "heure": "18:00"}).status_code == 403
    for address in (CITIZEN_EMAIL, OUTSIDER_EMAIL):
        with http_client(site) as http:
            sign_in(world, http, address)
            assert "Atelier citoyen sur les mobilités" not in http.get("/espace").text
            refused = http.get(atelier_page)
            assert refused.status_code == 403 and "ne vous est pas ouvert" in refused.text
    for address in (COPIL_EMAIL, COMMANDITAIRE_EMAIL):
        with http_client(site) as http:
            sign_in(world, http, address)
            page = http.get(atelier_page)
            assert page.status_code == 200 and CITIZEN_EMAIL not in page.text
            assert f'href="{step_page}"' not in page.text
            assert http.get(step_page).status_code == 403
            token = csrf_of(page)
            posted = http.post(step_page, data={"date": "2027-01-18", "heure": "18:00", "csrf": token})
            assert posted.status_code == 403
    assert (
        snapshot(world.runtime.engine, skip=("event", "outbox_message", "web_session", "used_link")) == before
    )


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(world: World, site: str) -> None:
    """A team member's POST without the session's token (a forged form) changes nothing."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        before = snapshot(world.runtime.engine, skip=("web_session",))
        forged = http.post(
            f"/espace/{world.slug}/etapes/reunion_demande", data={"date": "2027-01-18", "heure": "18:00"}
        )
        assert forged.status_code == 403 and "Ce formulaire a expiré" in forged.text
        wrong = http.post(
            f"/espace/{world.slug}/etapes/reunion_demande",
            data={"date": "2027-01-18", "heure": "18:00", "csrf": "x" * 32},
        )
        assert wrong.status_code == 403
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before


def test_the_team_records_a_step_done_and_sees_what_it_sends(world: World, site: str) -> None:
    """The step page says what recording will send; the POST records it in the team member's name;
    the atelier page shows it done; signing out ends the session."""
    world.clock.set(world.clock.now() + timedelta(days=7))
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/etapes/reunion_demande")
        assert page.status_code == 200 and "Enregistrer « Réunion" in page.text
        local = world.clock.now().astimezone(PARIS)
        done = http.post(
            f"/espace/{world.slug}/etapes/reunion_demande",
            data={"date": f"{local:%Y-%m-%d}", "heure": f"{local:%H:%M}", "csrf": csrf_of(page)},
        )
        assert done.status_code == 303
        shown = http.get(done.headers["location"])
        notice = (
            "Étape « Réunion de travail de la demande (CIPC, CNDP, commanditaire) » enregistrée comme faite"
        )
        assert notice in html.unescape(shown.text)
        # The same notice in an address someone else made up is not shown (no content spoofing).
        forged = http.get(f"/espace/{world.slug}?ok=Votre+compte+est+suspendu&sig=0")
        assert forged.status_code == 200 and "Votre compte est suspendu" not in forged.text
        with transaction(world.runtime.engine) as session:
            step = session.exec(
                select(Step)
                .join(Atelier, col(Atelier.id) == col(Step.atelier_id))
                .where(Atelier.slug == world.slug, Step.key == "reunion_demande")
            ).one()
            event = session.exec(
                select(Event).where(Event.kind == "step_done").order_by(col(Event.id).desc())
            ).first()
        assert step.status is StepStatus.DONE and event is not None and event.actor.startswith("person:")
        # The COPIL is constituted next: recording it convenes its five members to three meetings.
        next_page = html.unescape(http.get(f"/espace/{world.slug}/etapes/copil_constitue").text)
        assert "5 personnes recevront une convocation au COPIL (15 messages)." in next_page
        http.post("/deconnexion", data={"csrf": csrf_of(shown)})
        assert http.get("/espace").status_code == 303


def _xlsx(rows: list[list[str]]) -> bytes:
    """A workbook as Excel saves it, French headers on the first row."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADERS = ["Prénom", "Nom", "Adresse e-mail", "Rôle", "Organisation"]


def test_the_team_imports_a_spreadsheet_after_a_row_by_row_preview(world: World, site: str) -> None:
    """A bad row shows in the preview and nothing can be imported; the corrected file is previewed,
    then confirmed: every person is added, in the team member's name."""
    bad = _xlsx(
        [
            HEADERS,
            ["Léa", "Martin", "lea.martin@example.org", "expert", "INRAE"],
            ["Yves", "Roy", "pas-une-adresse", "expert", ""],
        ]
    )
    good = _xlsx(
        [
            HEADERS,
            ["Léa", "Martin", "lea.martin@example.org", "expert", "INRAE"],
            ["Yves", "Roy", "yves.roy@example.org", "garant", ""],
        ]
    )
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        form = http.get(f"/espace/{world.slug}/personnes/import")
        token = csrf_of(form)
        before = snapshot(world.runtime.engine, skip=("web_session",))
        preview = http.post(
            f"/espace/{world.slug}/personnes/import",
            data={"csrf": token},
            files={
                "fichier": (
                    "participants.xlsx",
                    bad,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            },
        )
        text = html.unescape(preview.text)
        assert preview.status_code == 200 and "Léa Martin" in text and "ligne 3" in text
        assert "1 ligne à corriger" in text and "/import/confirmer" not in text
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
        preview = http.post(
            f"/espace/{world.slug}/personnes/import",
            data={"csrf": token},
            files={"fichier": ("participants.xlsx", good, "application/octet-stream")},
        )
        digest = re.search(r'name="fichier" value="([0-9a-f]{64})"', preview.text)
        assert digest is not None
        done = http.post(
            f"/espace/{world.slug}/personnes/import/confirmer",
            data={"csrf": token, "fichier": digest.group(1), "nom": "participants.xlsx"},
        )
        assert done.status_code == 303
        people = html.unescape(http.get(done.headers["location"]).text)
        assert "2 personnes importées." in people and "lea.martin@example.org" in people
    with transaction(world.runtime.engine) as session:
        added = session.exec(select(Event).where(Event.kind == "person_added")).all()
    assert sum(1 for e in added if e.actor.startswith("person:")) == 2


def test_readers_see_the_people_but_no_address(world: World, site: str) -> None:
    """A COPIL member or the commanditaire sees who takes part, never a citizen's e-mail address."""
    for address in (COPIL_EMAIL, COMMANDITAIRE_EMAIL):
        with http_client(site) as http:
            sign_in(world, http, address)
            page = http.get(f"/espace/{world.slug}/personnes")
            assert page.status_code == 200 and CITIZENS[1] in html.unescape(page.text)
            assert "@" not in page.text.split("<main", 1)[1].split("</main>")[0]
            assert http.get(f"/espace/{world.slug}/personnes/import").status_code == 403


def test_an_administrator_creates_an_atelier_with_errors_shown_by_their_field(
    world: World, site: str
) -> None:
    """A missing title and a bad département show next to their fields and nothing is written;
    corrected, the atelier is planned and opens on its page; a team member cannot create one."""
    with transaction(world.runtime.engine) as session:
        add_account(
            session=session,
            email="admin@example.org",
            full_name="Ada Admin",
            is_admin=True,
            now=world.clock.now(),
        )
    fields = {
        "commanditaire": "Ministère chargé de la Culture",
        "question": "Comment ouvrir les musées à tous ?",
        "decision_date": world.clock.now().date().isoformat(),
        "venue_departement": "99",
        "avis_form": "proposals",
        "template": "atelier_citoyen",
    }
    with http_client(site) as http:
        sign_in(world, http, "admin@example.org")
        page = http.get("/espace/nouvel-atelier")
        before = snapshot(world.runtime.engine, skip=("web_session",))
        wrong = http.post("/espace/nouvel-atelier", data={**fields, "csrf": csrf_of(page)})
        text = html.unescape(wrong.text)
        assert wrong.status_code == 400 and "Le formulaire contient 2 erreurs" in text
        assert 'id="title-erreur">champ obligatoire manquant : « titre »' in text
        assert "département du lieu : « 99 » n'est pas un département français" in text
        assert 'value="Comment ouvrir' not in text and "Comment ouvrir les musées à tous ?</textarea>" in text
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before
        reserved = {
            **fields,
            "title": "Agenda",
            "venue_departement": "69",
            "slug": "agenda",
            "csrf": csrf_of(page),
        }
        refused = http.post("/espace/nouvel-atelier", data=reserved)
        assert refused.status_code == 400 and "L'identifiant « agenda » est réservé" in html.unescape(
            refused.text
        )
        fixed = {**fields, "title": "Musées pour tous", "venue_departement": "69", "csrf": csrf_of(page)}
        created = http.post("/espace/nouvel-atelier", data=fixed)
        assert created.status_code == 303 and created.headers["location"] == "/espace/musees-pour-tous"
        assert "Musées pour tous" in html.unescape(http.get("/espace/musees-pour-tous").text)
        # Its creator is on its team (the team's alerts and digests reach them).
        team = html.unescape(http.get("/espace/musees-pour-tous/personnes").text)
        assert "admin@example.org" in team and "Équipe projet" in team
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        assert http.get("/espace/nouvel-atelier").status_code == 403


def test_a_session_left_idle_two_hours_is_over(world: World, site: str) -> None:
    """After 90 minutes the session still holds; idle two hours more, the browser is sent to sign in."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        world.clock.advance(timedelta(minutes=90))
        assert http.get("/espace").status_code == 200
        world.clock.advance(timedelta(hours=2, minutes=1))
        response = http.get("/espace")
        assert response.status_code == 303 and response.headers["location"] == "/connexion"


def test_every_workspace_route_refuses_the_anonymous_and_the_wrong_account(world: World, site: str) -> None:
    """Enumerated from the app: anonymous GETs go to the sign-in page and POSTs are refused; a citizen's
    account opens nothing of the atelier; nothing is written by any of them."""
    routes = workspace_routes(world)
    assert len(routes) >= 20 and not any("{" in path for _method, path in routes)
    before = snapshot(world.runtime.engine, skip=("event", "outbox_message", "web_session", "used_link"))
    with http_client(site) as http:
        for method, path in routes:
            response = http.request(method, path, data={"csrf": "x"})
            expected = (303,) if method == "GET" else (403,)
            assert response.status_code in expected, (method, path, response.status_code)
            if method == "GET":
                assert response.headers["location"] == "/connexion"
    with http_client(site) as http:
        sign_in(world, http, CITIZEN_EMAIL)
        token = csrf_of(http.get("/espace/agenda"))
        for method, path in routes:
            if path.startswith(f"/espace/{world.slug}"):
                response = http.request(method, path, data={"csrf": token})
                assert response.status_code == 403, (method, path, response.status_code)
    assert (
        snapshot(world.runtime.engine, skip=("event", "outbox_message", "web_session", "used_link")) == before
    )


def test_the_team_adds_a_person_and_removes_one_not_yet_contacted(world: World, site: str) -> None:
    """One person is added by the form; removed again before anything was sent; a COPIL member
    already asked to decide cannot be removed, and that refusal changes nothing."""
    from tests.integration.helpers import until_open

    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/personnes")
        added = http.post(
            f"/espace/{world.slug}/personnes/ajouter",
            data={
                "csrf": csrf_of(page),
                "nom": "Léa Martin",
                "email": "Lea.Martin@example.org",
                "role": "garant",
            },
        )
        shown = html.unescape(http.get(added.headers["location"]).text)
        assert "La personne est ajoutée à l'atelier." in shown and "lea.martin@example.org" in shown
        lea = removal_id(shown, "Léa Martin")
        assert lea is not None
        before = snapshot(world.runtime.engine, skip=("web_session",))
        asked = http.post(f"/espace/{world.slug}/personnes/{lea}/retirer", data={"csrf": csrf_of(page)})
        assert asked.status_code == 200 and "Retirer Léa Martin de l'atelier ?" in html.unescape(asked.text)
        assert snapshot(world.runtime.engine, skip=("web_session",)) == before  # asked, nothing done
        removed = http.post(
            f"/espace/{world.slug}/personnes/{lea}/retirer", data={"csrf": csrf_of(asked), "confirme": "oui"}
        )
        assert "Léa Martin ne fait plus partie de l'atelier." in html.unescape(
            http.get(removed.headers["location"]).text
        )
    until_open(world, "cahier_des_charges_valide")
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/personnes")
        claire = removal_id(page.text, COPIL[0])
        assert claire is not None
        before = snapshot(world.runtime.engine, skip=("event", "web_session"))
        refused = http.post(f"/espace/{world.slug}/personnes/{claire}/retirer", data={"csrf": csrf_of(page)})
        assert refused.status_code == 400 and "retrait impossible" in html.unescape(refused.text)
        assert snapshot(world.runtime.engine, skip=("event", "web_session")) == before


def test_odd_requests_get_a_french_page_never_a_server_error(world: World, site: str) -> None:
    """A token with accents, a JSON body instead of a form and an unknown step get 403, 400 and 404."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        step = f"/espace/{world.slug}/etapes/reunion_demande"
        accented = http.post(step, data={"csrf": "jéton", "date": "2027-01-18", "heure": "10:00"})
        assert accented.status_code == 403
        as_json = http.post(step, json={"csrf": "x"})
        assert as_json.status_code == 400 and "formulaire" in html.unescape(as_json.text)
        unknown = http.get(f"/espace/{world.slug}/etapes/nulle_part")
        assert unknown.status_code == 404 and "Étape inconnue" in html.unescape(unknown.text)
