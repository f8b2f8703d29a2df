"""iCalendar invites (RFC 5546): REQUEST, updated REQUEST (higher SEQUENCE) and CANCEL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText

from atelier.clock import PARIS, ensure_utc

PRODID = "-//atelier citoyen//atelier//FR"


class InviteMethod(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class Invite:
    uid: str  # stable for the event across its moves
    sequence: int  # the event's revision: higher on each move or cancel
    method: InviteMethod
    summary: str
    description: str
    location: str
    start: datetime
    end: datetime
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    stamp: datetime
    # RFC 5546 §3.2.5: a CANCEL sent to one attendee uninvites them; the event itself goes on.
    attendee_only: bool = False


def build_invite(invite: Invite) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invite.method.value)
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", ensure_utc(invite.stamp))
    event.add("dtstart", ensure_utc(invite.start).astimezone(PARIS))
    event.add("dtend", ensure_utc(invite.end).astimezone(PARIS))
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    event.add("location", invite.location)
    organizer = vCalAddress(f"mailto:{invite.organizer_email}")
    organizer.params["cn"] = vText(invite.organizer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{invite.attendee_email}")
    attendee.params["cn"] = vText(invite.attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    if invite.method is InviteMethod.REQUEST:
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("status", "CONFIRMED")
    elif not invite.attendee_only:
        event.add("status", "CANCELLED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    # Only the years the event touches, to keep the VTIMEZONE small.
    start_year = ensure_utc(invite.start).astimezone(PARIS).year
    calendar.add_missing_timezones(
        first_date=datetime(start_year, 1, 1).date(), last_date=datetime(start_year + 1, 1, 1).date()
    )
    return bytes(calendar.to_ical())


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    sequence: int
    summary: str
    location: str
    start: datetime
    end: datetime
    cancelled: bool = False


def build_feed(name: str, events: list[FeedEvent], *, stamp: datetime) -> bytes:
    """A calendar people subscribe to (no invitation, nobody to answer): the ateliers' events."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    years = [ensure_utc(e.start).astimezone(PARIS).year for e in events] or [ensure_utc(stamp).year]
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("sequence", item.sequence)
        event.add("dtstamp", ensure_utc(stamp))
        event.add("dtstart", ensure_utc(item.start).astimezone(PARIS))
        event.add("dtend", ensure_utc(item.end).astimezone(PARIS))
        event.add("summary", item.summary)
        event.add("location", item.location)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=datetime(min(years), 1, 1).date(), last_date=datetime(max(years) + 1, 1, 1).date()
    )
    return bytes(calendar.to_ical())
