"""Building the e-mail from an outbox row (text + HTML, and the calendar invite when there is one)."""

from __future__ import annotations

import email.policy
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses

from atelier.config import Settings
from models import OutboxMessage


def build_email(row: OutboxMessage, *, settings: Settings, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = formataddr((settings.mail_from_name, settings.mail_from))
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    if row.ics is not None:
        method = row.ics_method or "REQUEST"
        # Inline text/calendar (what calendar clients act on) and the same as an attachment.
        message.add_alternative(row.ics, maintype="text", subtype="calendar", params={"method": method})
        message.add_attachment(row.ics, maintype="application", subtype="ics", filename="invitation.ics")
    return message


def envelope_recipients(row: OutboxMessage) -> list[str]:
    return [address for _name, address in getaddresses([row.recipient]) if address]


def serialise(message: EmailMessage) -> bytes:
    # CRLF line endings: a plain as_bytes() uses LF and SMTP servers answer "line too long".
    # A non-ASCII address can only travel in UTF-8 headers (RFC 6532), sent with SMTPUTF8.
    utf8 = not all(address.isascii() for _name, address in getaddresses([str(message["To"])]))
    return message.as_bytes(policy=email.policy.SMTPUTF8 if utf8 else email.policy.SMTP)
