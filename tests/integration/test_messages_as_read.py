"""Messages as their recipients' mail clients read them: Python's `email` with the default policy."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from icalendar import Calendar
from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COPIL
from atelier.demo.run import simulate
from atelier.services.ateliers import get_atelier
from atelier.services.link_actions import answer_via_link
from atelier.services.timeline import get_step, record_step_done
from flows.lifecycle import advance_without_prefect
from models import OutboxMessage, Person, Step
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import World, answer_token_of


def _calendar(message: EmailMessage) -> Any | None:
    """The inline invite calendar clients act on (the attachment carries the same bytes)."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar" and not part.is_attachment():
            return Calendar.from_ical(bytes(part.get_payload(decode=True)))
    return None


def _received_by(world: World, name: str) -> list[EmailMessage]:
    return [m for m in world.emails() if m["To"].addresses[0].display_name == name]


def test_every_message_reads_as_written(world: World) -> None:
    """A whole lifecycle: subjects decode exactly, calendars declare UTF-8, replies reach the team."""
    simulate(world.runtime, world.clock, lambda slug, now: advance_without_prefect(world.runtime, slug, now))
    with transaction(world.runtime.engine) as session:
        rows = {r.message_id: r for r in session.exec(select(OutboxMessage)).all()}
    emails = world.emails()
    assert len(emails) > 400
    for message in emails:
        row = rows[str(message["Message-ID"])]
        assert str(message["Subject"]) == row.subject
        assert message["Reply-To"].addresses[0].addr_spec == world.runtime.settings.team_email
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                assert part.get_content_charset() == "utf-8"
                assert "n��" not in part.get_content()
                if part.is_attachment():
                    assert re.fullmatch(r"[a-z0-9-]+\.ics", part.get_filename() or "")
        calendar = _calendar(message)
        if calendar is not None:
            organizer = str(calendar.walk("VEVENT")[0]["organizer"])
            assert organizer == f"mailto:{world.runtime.settings.team_email}"
        _html_says_what_text_says(message)


FACTS = re.compile(
    r"https?://\S+|(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2}(?:er)? \w+ \d{4}"
    r"|\d{2}h\d{2}|Lieu : [^\n]+"
)


def _html_says_what_text_says(message: EmailMessage) -> None:
    """Every link, date, time and place of the text part is in the HTML part too (links as links)."""
    text_part, html_part = message.get_body(("plain",)), message.get_body(("html",))
    assert text_part is not None and html_part is not None
    text, source = text_part.get_content(), html.unescape(html_part.get_content())
    page = " ".join(re.sub(r"<[^>]+>", " ", source).split())  # what the reader sees
    for fact in FACTS.findall(text):
        fact = fact.rstrip(".,;)»")
        if fact.startswith("http"):
            assert f'href="{fact}"' in source, (message["Subject"], fact)  # a link or a button
        else:
            assert " ".join(fact.replace("Lieu : ", "").split()) in page, (message["Subject"], fact)


def _late_step(world: World, key: str, days: int) -> None:
    """The team records a step done ``days`` after its plan: every later event moves."""
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        step = get_step(session=session, atelier=atelier, key=key)
        world.clock.set(step.planned_end + timedelta(days=days))
        record_step_done(
            session=session,
            atelier=atelier,
            step_key=key,
            done_at=world.clock.now(),
            actor="team",
            now=world.clock.now(),
        )


def _revision(world: World, key: str) -> int:
    with transaction(world.runtime.engine) as session:
        return session.exec(select(Step.revision).where(Step.key == key)).one()


def test_first_convocation_after_moves_is_an_invitation_not_a_modification(world: World) -> None:
    """COPIL n°1 moved before anyone was convened: the first convocation is not a « Modification »."""
    _late_step(world, "reunion_demande", 9)
    assert _revision(world, "copil_1") >= 1
    simulate(
        world.runtime,
        world.clock,
        lambda slug, now: advance_without_prefect(world.runtime, slug, now),
        until=lambda: any(str(m["Subject"]).startswith("Convocation") for m in world.emails()),
    )
    first = [m for m in _received_by(world, COPIL[0]) if "COPIL n°1" in str(m["Subject"])]
    assert first and str(first[0]["Subject"]).startswith("Convocation — COPIL n°1")
    assert "remplace la précédente" not in first[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    calendar = _calendar(first[0])
    assert calendar is not None
    assert int(calendar.walk("VEVENT")[0]["sequence"]) >= 1  # the event's own revision, kept global
    # A further move, once they hold it, is worded as a change: test_messages_lifecycle covers it.


def test_decline_uninvites_that_citizen_only(world: World) -> None:
    """A citizen who declines: an attendee-only CANCEL per event they held, thanks; the others keep theirs."""
    simulate(
        world.runtime,
        world.clock,
        lambda slug, now: advance_without_prefect(world.runtime, slug, now),
        until=lambda: len([m for m in _received_by(world, CITIZENS[0]) if _calendar(m) is not None]) >= 4,
    )
    before_others = {name: len(_received_by(world, name)) for name in CITIZENS[1:3]}
    with transaction(world.runtime.engine) as session:
        person = session.exec(select(Person).where(Person.full_name == CITIZENS[0])).one()
    decline = answer_token_of(world, CITIZENS[0], "decline")
    answer_via_link(world.runtime, decline, now=world.clock.now())
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))

    held: dict[str, int] = defaultdict(int)
    cancels = []
    for message in _received_by(world, CITIZENS[0]):
        calendar = _calendar(message)
        if calendar is None:
            continue
        held[str(calendar["method"])] += 1
        if str(calendar["method"]) == "CANCEL":
            cancels.append((message, calendar.walk("VEVENT")[0]))
    assert held["CANCEL"] == held["REQUEST"] >= 4
    for message, event in cancels:
        assert "status" not in event  # the event itself is not cancelled (RFC 5546 §3.2.5)
        assert str(event["attendee"]) == f"mailto:{person.email}"
        assert str(message["Subject"]).startswith("Retiré de votre agenda : ")
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "maintenu pour les autres participants" in text and "Merci de nous avoir prévenus" in text
        assert "est annulé" not in text
    assert {name: len(_received_by(world, name)) for name in CITIZENS[1:3]} == before_others
