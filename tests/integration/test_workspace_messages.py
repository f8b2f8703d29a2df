"""The workspace's messages over real HTTP: lists, a message as read, resending, the brake."""

from __future__ import annotations

import html
import re

from sqlmodel import col, select

from atelier.db import transaction
from atelier.demo.cast import COPIL
from models import Event, OutboxMessage, Person
from models.enums import DecisionOutcome, OutboxStatus
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import (
    COPIL_EMAIL,
    TEAM_EMAIL,
    World,
    csrf_of,
    decide_as,
    http_client,
    sign_in,
    until_open,
)


def _decision_requests(world: World) -> list[OutboxMessage]:
    with transaction(world.runtime.engine) as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "decision_request")
                .order_by(col(OutboxMessage.id))
            ).all()
        )


def _atelier_mail(world: World) -> int:
    return sum(1 for m in world.emails() if not str(m["Subject"]).startswith("Votre lien de connexion"))


def test_the_team_reads_every_message_as_sent_and_resends_a_failed_one(world: World, site: str) -> None:
    """Sent messages are listed and shown as read (HTML framed in a sandbox, text, calendar); a failed
    message is resent in one click, logged; COPIL members do not see the messages."""
    with transaction(world.runtime.engine) as session:
        sylvie = session.exec(select(Person).where(Person.full_name == COPIL[4])).one()
        sylvie.full_name = "Sylvie Carón-Élie"  # an accented name: its To: line is encoded
        session.add(sylvie)
    until_open(world, "cahier_des_charges_valide")
    first = _decision_requests(world)[0]
    with transaction(world.runtime.engine) as session:
        failed = session.get(OutboxMessage, first.id)
        assert failed is not None
        failed.status, failed.last_error = OutboxStatus.FAILED, "550 boîte inconnue"
        session.add(failed)
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        sent = html.unescape(http.get(f"/espace/{world.slug}/messages?etat=envoyes").text)
        assert "Décision attendue : Validation du cahier des charges" in sent
        # Names with accents read as typed, not as the encoded words of the To: line.
        assert "=?utf-8?" not in sent and "<td>Sylvie Carón-Élie <sylvie.caron@example.org></td>" in sent
        assert re.search(r"<p>\d+ programmés · \d+ envoyés", sent)  # agreed with their number
        page = http.get(f"/espace/{world.slug}/messages/{first.id}")
        assert page.status_code == 200 and f'src="/espace/{world.slug}/messages/{first.id}/html"' in page.text
        framed = http.get(f"/espace/{world.slug}/messages/{first.id}/html")
        assert framed.headers["content-security-policy"].startswith("sandbox;")
        assert framed.headers["x-frame-options"] == "SAMEORIGIN" and "<!DOCTYPE html>" in framed.text
        failures = http.get(f"/espace/{world.slug}/messages?etat=echecs")
        assert "550 boîte inconnue" in html.unescape(failures.text)
        resent = http.post(
            f"/espace/{world.slug}/messages/{first.id}/renvoyer", data={"csrf": csrf_of(failures)}
        )
        assert resent.status_code == 303
    with transaction(world.runtime.engine) as session:
        again = session.get(OutboxMessage, first.id)
        logged = session.exec(select(Event).where(Event.kind == "message_resent")).all()
    assert again is not None and again.status is OutboxStatus.PENDING and again.attempts == 0
    assert len(logged) == 1 and logged[0].actor.startswith("person:")
    with http_client(site) as http:
        sign_in(world, http, COPIL_EMAIL)
        assert http.get(f"/espace/{world.slug}/messages").status_code == 403


def test_the_brake_holds_every_message_of_the_atelier_until_sending_resumes(world: World, site: str) -> None:
    """Suspended, the dispatcher sends nothing of this atelier (the SMTP server receives nothing);
    resumed, the waiting messages leave, once each."""
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/messages")
        suspended = http.post(
            f"/espace/{world.slug}/messages/envois", data={"csrf": csrf_of(page), "action": "suspendre"}
        )
        assert suspended.status_code == 303
        shown = html.unescape(http.get(suspended.headers["location"]).text)
        assert "Les envois de cet atelier sont suspendus depuis le" in shown
        received = _atelier_mail(world)
        until_open(world, "cahier_des_charges_valide")
        waiting = [r for r in _decision_requests(world) if r.status is OutboxStatus.PENDING]
        assert waiting and _atelier_mail(world) == received  # (sign-in links belong to no atelier)
        assert drain(dispatcher_for(world.runtime)) == 0
    with http_client(site) as http:  # days later: the session has expired, sign in again
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(f"/espace/{world.slug}/messages")
        resumed = http.post(
            f"/espace/{world.slug}/messages/envois", data={"csrf": csrf_of(page), "action": "reprendre"}
        )
        assert resumed.status_code == 303
    assert drain(dispatcher_for(world.runtime)) >= len(waiting)
    subjects = [str(m["Subject"]) for m in world.emails()]
    assert sum(1 for s in subjects if re.match(r"Décision attendue : Validation du cahier", s)) == len(
        waiting
    )


def test_the_journal_filters_by_kind_and_person_and_exports_open_in_excel(world: World, site: str) -> None:
    """The journal shows who did what (names, not ids), filtered; the people export is a CSV Excel reads
    in France (BOM, semicolons) and an .xlsx workbook; readers get neither."""
    import io

    from openpyxl import load_workbook

    until_open(world, "cahier_des_charges_valide")
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        journal = html.unescape(http.get(f"/espace/{world.slug}/journal?type=gate_opened").text)
        assert "décision soumise" in journal and "moteur" in journal and "étape faite</td>" not in journal
        done = html.unescape(http.get(f"/espace/{world.slug}/journal?type=step_done").text)
        assert "étape faite" in done
        exported = http.get(f"/espace/{world.slug}/export/personnes.csv")
        assert exported.content.startswith("\ufeff".encode()) and exported.headers[
            "content-disposition"
        ].startswith("attachment;")
        lines = exported.content.decode("utf-8-sig").splitlines()
        assert lines[0] == "Nom;Adresse e-mail;Organisation;Rôle;Réponse" and len(lines) > 20
        workbook = load_workbook(io.BytesIO(http.get(f"/espace/{world.slug}/export/decisions.xlsx").content))
        sheet = workbook.active
        assert sheet is not None and sheet["A1"].value == "Décision"
    with http_client(site) as http:
        sign_in(world, http, COPIL_EMAIL)
        assert http.get(f"/espace/{world.slug}/journal").status_code == 403
        assert http.get(f"/espace/{world.slug}/export/personnes.csv").status_code == 403


def test_a_calendar_subscribes_to_the_ateliers_events_until_the_address_is_revoked(
    world: World, site: str
) -> None:
    """The secret address serves the atelier's weekends and meetings as iCalendar (no cookie needed);
    a new address replaces it; revoked, it answers 404."""
    from icalendar import Calendar

    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get("/espace/agenda")
        created = html.unescape(
            http.post("/espace/agenda", data={"csrf": csrf_of(page), "action": "nouveau"}).text
        )
        found = re.search(r"https?://\S+/agenda/(\S+)\.ics", created)
        assert found
        first = found.group(0).split("/agenda/")[1]
    with http_client(site) as anonymous:
        feed = anonymous.get(f"/agenda/{first}")
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(feed.content)
        summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
        assert any(s.startswith("Premier week-end — Atelier citoyen") for s in summaries)
        assert any(s.startswith("COPIL n°1") for s in summaries)
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get("/espace/agenda")
        http.post("/espace/agenda", data={"csrf": csrf_of(page), "action": "revoquer"})
        assert http.get(f"/agenda/{first}").status_code == 404


def test_the_team_cancels_an_online_session_knowing_who_will_be_told(world: World, site: str) -> None:
    """Once people hold the session in their agenda, its page says how many will get the cancellation;
    cancelling needs a reason and a confirmation, then the cancellations are queued and the journal names
    the team member."""
    from atelier.demo.run import simulate
    from flows.lifecycle import advance_without_prefect
    from tests.integration.helpers import record_done

    advance = lambda slug, now: advance_without_prefect(world.runtime, slug, now)  # noqa: E731
    simulate(world.runtime, world.clock, advance, until=lambda: record_done(world, "copil_3"))
    path = f"/espace/{world.slug}/etapes/session_en_ligne_2"
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(path)
        text = html.unescape(page.text)
        found = re.search(r"(\d+) personnes recevront l'annulation du rendez-vous", text)
        assert found and int(found.group(1)) >= 15, text
        no_reason = http.post(f"{path}/annuler", data={"csrf": csrf_of(page), "motif": " "})
        assert no_reason.status_code == 400 and "Indiquez le motif" in html.unescape(no_reason.text)
        asked = http.post(
            f"{path}/annuler", data={"csrf": csrf_of(page), "motif": "fusion avec la session n°1"}
        )
        assert asked.status_code == 200 and "Confirmer l'annulation" in html.unescape(asked.text)
        with transaction(world.runtime.engine) as session:
            assert session.exec(select(Event).where(Event.kind == "event_cancelled")).all() == []
        # The confirmation page carries the reason: pressing its button is all that is left to do.
        assert 'name="motif" value="fusion avec la session n°1"' in html.unescape(asked.text)
        done = http.post(
            f"{path}/annuler",
            data={"csrf": csrf_of(asked), "motif": "fusion avec la session n°1", "confirme": "oui"},
        )
        assert done.status_code == 303
    with transaction(world.runtime.engine) as session:
        cancelled = session.exec(select(Event).where(Event.kind == "event_cancelled")).one()
    assert (
        cancelled.actor.startswith("person:") and cancelled.detail["reason"] == "fusion avec la session n°1"
    )


def test_exports_keep_names_and_comments_as_text_never_formulas(world: World, site: str) -> None:
    """A name « =HYPERLINK(…) », an organisation « -Marie » and a COPIL comment « =1+1 » come out of
    the .xlsx exports as text cells exactly as typed, and out of the CSV behind a « ' »."""
    import io

    from openpyxl import load_workbook

    from atelier.services.ateliers import get_atelier
    from atelier.services.people import add_people
    from models.person_in import PersonIn

    link = '=HYPERLINK("https://exemple.invalid","clic")'
    trap = PersonIn(full_name=link, email="piege@exemple.fr", roles=["garant"], organisation="-Marie")
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        add_people(session=session, atelier=atelier, people=[trap], now=world.clock.now())
    until_open(world, "cahier_des_charges_valide")
    decide_as(world, "cahier_des_charges_valide", COPIL[0], DecisionOutcome.APPROVE, "=1+1")
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        rows = http.get(f"/espace/{world.slug}/export/personnes.csv").content.decode("utf-8-sig").splitlines()
        assert f"'{link}".replace('"', '""') in "\n".join(rows) and ";'-Marie;" in "\n".join(rows)
        for what, expected in (("personnes", {link, "-Marie"}), ("decisions", {"=1+1"})):
            book = load_workbook(io.BytesIO(http.get(f"/espace/{world.slug}/export/{what}.xlsx").content))
            sheet = book.active
            assert sheet is not None
            cells = [cell for row in sheet.iter_rows() for cell in row]
            assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
            assert expected <= {cell.value for cell in cells}
