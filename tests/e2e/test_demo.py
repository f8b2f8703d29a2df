"""`atelier demo` end to end: Prefect flows, aiosmtpd catcher, SQLite, and the mailbox it leaves."""

from __future__ import annotations

import email
import email.policy
import io
from collections import Counter
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from rich.console import Console

from atelier.demo.cast import CITIZENS, COPIL
from atelier.demo.report import print_report
from atelier.demo.run import open_workspace, run_demo

pytestmark = pytest.mark.prefect


def _read(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _calendars(message: EmailMessage) -> list[Any]:
    # The inline part calendar clients act on; the attachment (same bytes) is for people.
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar" and not p.is_attachment()]
    return [Calendar.from_ical(bytes(p.get_payload(decode=True))) for p in parts]


def test_demo_runs_a_whole_atelier_and_fills_the_mailbox(tmp_path: Path, prefect_api: str) -> None:
    """The demo ends with every check passing and a mailbox holding what each audience needs."""
    mailbox = tmp_path / "mailbox"
    result = run_demo(tmp_path / "data", mailbox, date(2027, 1, 11))
    output = io.StringIO()
    failures = print_report(Console(file=output, width=200), result.runtime, result.slug, mailbox)
    report = output.getvalue()
    assert failures == [], report
    assert result.completed
    assert "COPIL n°1 : question, échantillon, organisation — approuvée (tour 2)" in report
    assert "renvoyé pour reprise" in report
    assert "avis remis le 25/04/2027" in report
    # Past the handover: the avis and a reasoned, published answer to each of its proposals.
    assert (
        "5 propositions ; réponses publiées : retenue 2 ; retenue en partie 1 ; à l'étude 1 ; non retenue 1"
        in (report)
    )
    public = (mailbox.parent / "public" / "index.html").read_text(encoding="utf-8")
    assert "Proposition n°5 : Rouvrir des petites lignes" in public
    assert not [name for name in CITIZENS if name in public]

    messages = [_read(path) for path in sorted(mailbox.glob("*.eml"))]
    ids = Counter(str(m["Message-ID"]) for m in messages)
    assert ids and max(ids.values()) == 1  # no duplicate Message-ID

    def to(name: str) -> list[EmailMessage]:
        return [m for m in messages if m["To"].addresses[0].display_name == name]

    for citizen in CITIZENS:
        mine = to(citizen)
        assert sum(str(m["Subject"]).startswith("Invitation à l'atelier citoyen") for m in mine) == 1
        weekends = [
            c for m in mine for c in _calendars(m) if "week-end" in str(c.walk("VEVENT")[0]["summary"])
        ]
        assert len(weekends) == 2
        for calendar in weekends:
            event = calendar.walk("VEVENT")[0]
            start, end = event["dtstart"].dt, event["dtend"].dt
            assert str(calendar["method"]) == "REQUEST" and str(start.tzinfo) == "Europe/Paris"
            assert (start.weekday(), start.hour, start.minute) == (5, 10, 0)
            assert (end.weekday(), end.hour, end.minute) == (6, 17, 0)
    for member in COPIL:
        subjects = [str(m["Subject"]) for m in to(member)]
        for meeting in ("COPIL n°1", "COPIL n°2", "COPIL n°3"):
            assert any(s.startswith("Convocation") and meeting in s for s in subjects), (member, meeting)
        assert any(s.startswith("Décision attendue : COPIL n°1") for s in subjects)
        # Asked again after the send back, once the team recorded the revised version.
        revised = [m for m in to(member) if "(version révisée)" in str(m["Subject"])]
        assert len(revised) == 1
        assert "Ce qui a changé, selon l'équipe projet : Quotas revus" in _text(revised[0])
    to_team = [
        m for m in messages if str(m["Subject"]).startswith("[Équipe projet] Renvoi pour reprise : COPIL n°1")
    ]
    assert to_team and all("atelier gate revise" in _text(m) for m in to_team)

    # COPIL members are asked a week before each meeting: far fewer reminders than the 40 of
    # asking as soon as a meeting's step was ready.
    reminders = [m for m in messages if str(m["Subject"]).startswith("Rappel : décision attendue")]
    assert 0 < len(reminders) <= 20
    # Nobody's first message about an event is worded as a change.
    first_seen: dict[tuple[str, str], str] = {}
    for message in messages:
        for calendar in _calendars(message):
            uid = str(calendar.walk("VEVENT")[0]["uid"])
            first_seen.setdefault((message["To"].addresses[0].addr_spec, uid), str(message["Subject"]))
    assert first_seen and not any(s.startswith("Modification") for s in first_seen.values())

    # The sign-in link printed at the end is for the port « serve » will use, not always 8000.
    _address, link = open_workspace(result.runtime, tmp_path / "data", port=8123)
    assert link.startswith("http://127.0.0.1:8123/connexion/")


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return body.get_content() if body is not None else ""
