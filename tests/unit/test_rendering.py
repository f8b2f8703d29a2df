"""Every message kind renders in French; HTML is escaped; a missing variable is an error."""

from itertools import pairwise
from typing import Any

import pytest
from jinja2 import UndefinedError

from notifications.rendering import MESSAGE_KINDS, render_message

EVENT = {
    "key": "weekend_1",
    "name": "Premier week-end",
    "is_weekend": True,
    "start_long": "samedi 3 avril 2027 à 10h00",
    "end_long": "dimanche 4 avril 2027 à 17h00",
    "start_hour": "10h00",
    "end_hour": "17h00",
    "minutes": 1860,
    "location": "Paris",
    "public_url": "https://www.example.gouv.fr/ateliers-citoyens/reponse",
}


def sample_context(question: str = "Quelles mobilités ?") -> dict[str, Any]:
    gate = {
        "key": "copil_1",
        "name": "COPIL n°1",
        "decides": "La question.",
        "round": 1,
        "due_long": "lundi 15 février 2027 à 14h00",
        "answered": 2,
        "members": 5,
        "needed": 3,
        "missing": ["Claire Dumont"],
        "comments": [("Claire Dumont", "Revoir les quotas.")],
        "revision_note": "Quotas revus.",
        "documents": [],
    }
    return {
        "atelier": {
            "slug": "a",
            "title": "Mobilités rurales",
            "commanditaire": "Ministère",
            "question": question,
            "avis_form": "propositions de solutions",
            "citizens": 15,
            "venue": "Salle",
            "venue_access": "Métro Ségur",
            "day_phone": "01 23 45 67 89",
            "hotel": "Hôtel",
            "online_url": "https://visio.example/a",
            "indemnisation": "80 € par journée de présence",
        },
        "team": {"name": "Équipe", "email": "equipe@example.gouv.fr"},
        "person": {
            "full_name": "Amina Benali",
            "is_citizen": True,
            "confirm_by_long": None,
            "is_copil": True,
        },
        "pool_size": 240,
        "panel_size": 15,
        "reserve": False,
        "set_aside": False,
        "chance": "4,21\u00a0%",
        "reference": "V00042",
        "revision": 0,
        "is_update": False,
        "attendee_only": False,
        "days_before": 7,
        "role_label": "expert",
        "events": [EVENT],
        "first_event": EVENT,
        "event": EVENT,
        "agenda": ["Accueil"],
        "handed_over_long": "dimanche 25 avril 2027 à 17h00",
        "gate": gate,
        "refers_to": {**EVENT, "end_date_long": "vendredi 19 mars 2027"},
        "links": {
            "decision": "https://a.example/decision/x",
            "expires_long": "lundi 1er mars 2027 à 09h00",
            "confirm": "https://a.example/reponse/c",
            "decline": "https://a.example/reponse/d",
            "signin": "https://a.example/connexion/s",
            "public": "https://a.example/public/a",
            "stop": "https://a.example/suivi/arret/t",
            "marks": "https://a.example/appreciation/m",
            "avis": "https://a.example/espace/a/avis",
            "mandat": "https://a.example/public/a/mandat.html",
            "evaluation": "https://a.example/evaluation/e",
            "committee": "https://a.example/comite-de-suivi/c",
        },
        "week_start_long": "lundi 14 juin 2027",
        "remark": True,
        "committee": {"seats": 5, "meetings": [EVENT]},
        "proposal": {"number": 5, "title": "Rouvrir des petites lignes"},
        "since_long": "jeudi 24 juin 2027",
        "answered": 4,
        "proposals": 5,
        "days": 60,
        "changes": [
            {
                "number": 5,
                "title": "Rouvrir des petites lignes",
                "lines": [
                    "réponse : « à l'étude » devient « retenue en partie »",
                    "motif : Deux lignes sur dix.",
                ],
                "link": "https://a.example/lignes",
            }
        ],
        "risk": {
            "target_long": "mardi 11 mai 2027",
            "forecast_long": "dimanche 23 mai 2027",
            "slack_days": -12,
            "reasons": ["COPIL n°1 en retard"],
        },
        "failed": {"subject": "Invitation", "recipient": "x@example.org", "attempts": 8, "error": "550"},
        "privacy": {
            "text": "Vos données sont utilisées uniquement pour l'atelier ; écrivez à dpo@example.gouv.fr."
        },
        "outage": {
            "since_long": "lundi 1er mars 2027 à 09h00",
            "recovered_long": "lundi 1er mars 2027 à 15h00",
            "failures": 120,
            "waiting": 40,
            "given_up": 2,
            "error": "ConnectionRefusedError",
        },
    }


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_every_kind_renders(kind: str) -> None:
    """Each kind has a French subject, a text and an HTML body."""
    message = render_message(kind, sample_context())
    assert message.subject and "\n" not in message.subject
    assert message.text.strip() and message.html.startswith("<!DOCTYPE html>")
    assert "{{" not in message.text and "{%" not in message.html


def test_citizen_invitation_says_what_an_invitation_must_say() -> None:
    """Purpose, why invited, use of the contribution, dates, indemnisation, what to bring, links."""
    text = render_message("citizen_invitation", sample_context()).text
    for expected in (
        "Pourquoi cet atelier ?",
        "Pourquoi vous ?",
        "Comment votre contribution sera utilisée",
        "samedi 3 avril 2027 à 10h00",
        "80 € par journée",
        "un ordinateur et une connexion stable",
        "https://a.example/reponse/c",
        "https://a.example/reponse/d",
        "https://a.example/public/a/mandat.html",
    ):
        assert expected in text, expected


def test_online_reminder_has_link_steps_and_five_minutes() -> None:
    """The online session reminder gives the link, the access steps and '5 minutes avant'."""
    text = render_message("online_session_reminder", sample_context()).text
    assert "https://visio.example/a" in text and "1. ouvrez le lien" in text
    assert "au moins 5 minutes avant" in text


def test_user_text_is_escaped_in_html_not_in_text() -> None:
    """A question containing markup is inert in HTML and verbatim in plain text."""
    message = render_message("citizen_invitation", sample_context(question="<script>x</script> & co"))
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert "<script>x</script> & co" in message.text


def test_missing_variable_is_an_error() -> None:
    """StrictUndefined: a template never silently renders a blank."""
    context = sample_context()
    del context["gate"]
    with pytest.raises(UndefinedError):
        render_message("decision_request", context)


def _html_as_text(html_body: str) -> str:
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_body)).split())


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_html_part_carries_the_links_and_dates_of_the_text_part(kind: str) -> None:
    """Whoever reads the HTML part sees every link and every date the text part gives."""
    import re

    message = render_message(kind, sample_context())
    facts = re.findall(r"https?://\S+", message.text) + re.findall(
        r"\w+ \d{1,2} \w+ \d{4}(?: à \d{2}h\d{2})?", message.text
    )
    visible = _html_as_text(message.html)
    for fact in facts:
        assert fact in visible or fact in message.html, (kind, fact)


def test_html_invitation_and_reminder_keep_what_the_text_says() -> None:
    """The criteria of diversity, the calendar sentence, the privacy notice, how to join a session."""
    invitation = _html_as_text(render_message("citizen_invitation", sample_context()).html)
    for expected in (
        "(âge, genre, lieu de résidence, catégorie socio-professionnelle, niveau d'études)",
        "Vous recevrez une invitation de calendrier pour chaque rendez-vous",
        "Vos données personnelles",
        "dpo@example.gouv.fr",
    ):
        assert expected in invitation
    reminder = _html_as_text(render_message("online_session_reminder", sample_context()).html)
    assert "Pour rejoindre la session :" in reminder


def test_droit_de_suite_notice_speaks_to_each_audience() -> None:
    """Citizens read about « l'avis que vous avez rédigé »; COPIL members are not thanked for it."""
    citizen = render_message("droit_de_suite_notice", sample_context())
    member_context = sample_context()
    member_context["person"] = {"full_name": "Claire Dumont", "is_citizen": False}
    member = render_message("droit_de_suite_notice", member_context)
    assert "l'avis que vous avez rédigé" in citizen.text and "votre avis" in citizen.subject
    for part in (member.subject, member.text, member.html):
        assert "vous avez rédigé" not in part and "votre avis" not in part
    assert "l'avis des citoyens" in member.text and "Vous recevrez une invitation" not in member.text


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_html_headings_start_at_h1_and_skip_no_level(kind: str) -> None:
    """Screen readers navigate by headings: one h1 (the atelier), then h2, never a jump to h3."""
    import re

    levels = [int(level) for level in re.findall(r"<h([1-6])", render_message(kind, sample_context()).html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in pairwise(levels))


def test_commanditaire_reads_as_french_in_every_sentence() -> None:
    """« à la demande du ministère », « Le ministère … souhaite », « remis au ministère »."""
    context = sample_context()
    context["atelier"] = {**context["atelier"], "commanditaire": "Ministère chargé des Transports"}
    invitation = render_message("citizen_invitation", context).text
    assert "organisé à la demande du ministère chargé des Transports." in invitation
    assert "Le ministère chargé des Transports souhaite recueillir" in invitation
    handover = render_message("avis_handover", context).text
    assert "remis au ministère chargé des Transports le" in handover
    notice = render_message("droit_de_suite_notice", context)
    assert notice.subject.startswith("Droit de suite : la réponse du ministère chargé des Transports")
    for kind in MESSAGE_KINDS:
        message = render_message(kind, context)
        for part in (message.subject, message.text):
            assert "de Ministère" not in part and "à Ministère" not in part and "par Ministère" not in part


def test_no_plural_left_to_the_reader() -> None:
    """No « jour(s) », « message(s) » or « tentative(s) »; « dans 1 jours » never appears."""
    context = sample_context()
    context["days_before"] = 1
    for kind in MESSAGE_KINDS:
        message = render_message(kind, context)
        for part in (message.subject, message.text):
            assert "jour(s)" not in part and "message(s)" not in part and "tentative(s)" not in part
            assert "dans 1 jours" not in part


def test_weekend_practical_details_say_how_to_come_and_whom_to_call() -> None:
    """Before a weekend: how to reach the venue and the team's phone for the day, in both parts."""
    message = render_message("weekend_practical", sample_context())
    for part in (message.text, _html_as_text(message.html)):
        assert "Pour venir : Métro Ségur." in part and "01 23 45 67 89" in part
    assert 'href="tel:0123456789"' in message.html


def test_droit_de_suite_notice_links_to_the_published_answer() -> None:
    """Citizens and COPIL members alike get the address of the commanditaire's published answer."""
    for is_citizen in (True, False):
        context = sample_context()
        context["person"] = {"full_name": "Amina Benali", "is_citizen": is_citizen}
        message = render_message("droit_de_suite_notice", context)
        url = EVENT["public_url"]
        assert f"Vous pouvez la lire en ligne : {url}" in message.text
        assert f'href="{url}"' in message.html
