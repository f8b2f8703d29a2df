"""Every message kind renders in French; HTML is escaped; a missing variable is an error."""

from itertools import pairwise

import pytest
from jinja2 import UndefinedError

from notifications.rendering import MESSAGE_KINDS, render_message
from tests.unit.message_samples import EVENT, sample_context


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
