from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar

from atelier.clock import PARIS
from notifications.calendar_invite import Invite, InviteMethod, build_invite

START = datetime(2027, 4, 3, 8, 0, tzinfo=UTC)  # 10:00 Paris (summer time)
END = datetime(2027, 4, 4, 15, 0, tzinfo=UTC)  # 17:00 Paris


def _invite(sequence: int, method: InviteMethod, start: datetime = START, end: datetime = END) -> bytes:
    return build_invite(
        Invite(
            uid="atelier.weekend_1@example.gouv.fr",
            sequence=sequence,
            method=method,
            summary="Premier week-end",
            description="Programme",
            location="Paris",
            start=start,
            end=end,
            organizer_email="orga@example.gouv.fr",
            organizer_name="Équipe",
            attendee_email="amina@example.org",
            attendee_name="Amina Benali",
            stamp=datetime(2027, 3, 1, tzinfo=UTC),
        )
    )


def _event(raw: bytes) -> tuple[Any, Any]:
    calendar = Calendar.from_ical(raw)
    return calendar, calendar.walk("VEVENT")[0]


def test_request_parses_back_in_paris_time() -> None:
    """A REQUEST has Europe/Paris times, a VTIMEZONE, ORGANIZER and the attendee with RSVP."""
    calendar, event = _event(_invite(0, InviteMethod.REQUEST))
    assert str(calendar["method"]) == "REQUEST"
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/Paris"
    start = event["dtstart"].dt
    end = event["dtend"].dt
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Paris"
    assert (start.astimezone(PARIS).hour, end.astimezone(PARIS).hour) == (10, 17)
    assert start.weekday() == 5 and end.weekday() == 6
    attendee = event["attendee"]
    assert str(attendee) == "mailto:amina@example.org"
    assert attendee.params["RSVP"] == "TRUE"
    assert str(event["organizer"]) == "mailto:orga@example.gouv.fr"


def test_update_and_cancel_keep_uid_and_raise_sequence() -> None:
    """Moving then cancelling keeps the UID, raises SEQUENCE, and the cancel says so."""
    moved = datetime(2027, 4, 10, 8, 0, tzinfo=UTC)
    raws = [
        _invite(0, InviteMethod.REQUEST),
        _invite(1, InviteMethod.REQUEST, moved, moved.replace(day=11, hour=15)),
        _invite(2, InviteMethod.CANCEL, moved, moved.replace(day=11, hour=15)),
    ]
    parsed = [_event(raw) for raw in raws]
    assert len({str(e["uid"]) for _, e in parsed}) == 1
    assert [int(e["sequence"]) for _, e in parsed] == [0, 1, 2]
    calendar, event = parsed[2]
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert len(raws[0]) < 2500
