"""Sending over SMTP with persistent aiosmtplib connections (several when the dispatcher sends
several messages at once)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import aiosmtplib

from atelier.config import Settings

log = logging.getLogger("atelier.smtp")


Pacer = Callable[[], Awaitable[None]]


class PermanentFailure(Exception):
    """The server refused this message for good (5xx for its recipient, or an address it cannot take)."""


class MailTransport(Protocol):
    async def send(
        self, sender: str, recipients: list[str], data: bytes, *, pace: Pacer | None = None
    ) -> None: ...

    async def close(self) -> None: ...


def ascii_envelope_address(address: str) -> str:
    """An internationalised domain in its ASCII (IDNA) form; a non-ASCII local part stays as it is."""
    local, _, domain = address.rpartition("@")
    if not local or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def needs_smtputf8(addresses: list[str]) -> bool:
    return not all(address.isascii() for address in addresses)


class SmtpTransport:
    """Keeps its connections open across messages, one per message in flight (up to the
    dispatcher's ``smtp_connections``); a connection that failed is dropped, the next message opens
    another.

    A failure in the middle of a transaction (after MAIL FROM) would otherwise leave the session
    half-open, and the next message would be refused with "503 nested MAIL command".
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._idle: list[aiosmtplib.SMTP] = []

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self._settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_use_tls,
            start_tls=s.smtp_start_tls,
            timeout=s.smtp_timeout_seconds,
            local_hostname="atelier.localdomain",  # avoids an FQDN lookup per connection
        )
        await client.connect()
        await client.ehlo()  # the extensions (SMTPUTF8) are known before the first message
        if s.smtp_username and s.smtp_password:
            await client.login(s.smtp_username, s.smtp_password)
        return client

    async def _checkout(self) -> aiosmtplib.SMTP:
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                return client
        return await self._connect()

    async def send(
        self, sender: str, recipients: list[str], data: bytes, *, pace: Pacer | None = None
    ) -> None:
        """Send one message; ``pace`` is awaited once the connection is open, right before the SMTP
        transaction, so that the relay's limits count transactions, not connection set-ups."""
        recipients = [ascii_envelope_address(r) for r in recipients]
        client: aiosmtplib.SMTP | None = None
        try:
            client = await self._checkout()
            if pace is not None:
                await pace()
            options: list[str] = []
            if needs_smtputf8([sender, *recipients]):
                if not client.supports_extension("smtputf8"):
                    raise PermanentFailure("non-ASCII address and the relay does not offer SMTPUTF8")
                options = ["SMTPUTF8"]
            await client.sendmail(sender, recipients, data, mail_options=options)
        except PermanentFailure:
            if client is not None:
                self._idle.append(client)  # refused before MAIL FROM: the session is clean
            raise
        except aiosmtplib.SMTPRecipientsRefused as error:
            await _quit(client)
            codes = [getattr(r, "code", 0) for r in error.recipients]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipients refused: {codes}") from error
            raise
        except Exception:
            await _quit(client)
            raise
        self._idle.append(client)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            await _quit(client)


async def _quit(client: aiosmtplib.SMTP | None) -> None:
    if client is not None and client.is_connected:
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()
