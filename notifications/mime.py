"""Building the e-mail from an outbox row (text + HTML, and the calendar invite when there is one)."""

from __future__ import annotations

import email.policy
from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses

from atelier.config import Settings
from models import OutboxMessage


def encoded_subject(subject: str) -> str:
    """The Subject as RFC 2047 encoded words of at most 75 characters, folded at 76.

    Python's modern folder loses or doubles the space next to an encoded word (seen in about
    6 % of French subjects); the legacy encoder keeps every space inside the encoded words.
    """
    return Header(subject, "utf-8", header_name="Subject", maxlinelen=76).encode(linesep="\r\n")


def calendar_file_name(row: OutboxMessage) -> str:
    """« copil-1.ics », « weekend-1-annulation.ics »: the event, and whether it is removed."""
    base = str(row.context.get("step") or "invitation").replace("_", "-")
    return f"{base}-annulation.ics" if row.ics_method == "CANCEL" else f"{base}.ics"


def build_email(row: OutboxMessage, *, settings: Settings, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = formataddr((settings.mail_from_name, settings.mail_from))
    message["To"] = row.recipient
    # Replies, and calendar answers sent by e-mail, reach the team rather than a no-reply box.
    message["Reply-To"] = formataddr(("Équipe projet", settings.team_email))
    message.set_raw("Subject", encoded_subject(row.subject))
    message["Date"] = format_datetime(now)
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    if row.ics is not None:
        method = row.ics_method or "REQUEST"
        params = {"method": method, "charset": "utf-8"}
        # Inline text/calendar (what calendar clients act on) and the same as an attachment.
        message.add_alternative(row.ics, maintype="text", subtype="calendar", params=params)
        message.add_attachment(
            row.ics, maintype="text", subtype="calendar", params=params, filename=calendar_file_name(row)
        )
    return message


def envelope_recipients(row: OutboxMessage) -> list[str]:
    return [address for _name, address in getaddresses([row.recipient]) if address]


def serialise(message: EmailMessage) -> bytes:
    # CRLF line endings: a plain as_bytes() uses LF and SMTP servers answer "line too long".
    # A non-ASCII address can only travel in UTF-8 headers (RFC 6532), sent with SMTPUTF8.
    utf8 = not all(address.isascii() for _name, address in getaddresses([str(message["To"])]))
    return message.as_bytes(policy=email.policy.SMTPUTF8 if utf8 else email.policy.SMTP)
