"""Sending over SMTP with one persistent aiosmtplib connection."""

from __future__ import annotations

import logging
from typing import Protocol

import aiosmtplib

from atelier.config import Settings

log = logging.getLogger("atelier.smtp")


class PermanentFailure(Exception):
    """The server refused this message for good (5xx for its recipient, or an address it cannot take)."""


class MailTransport(Protocol):
    async def send(self, sender: str, recipients: list[str], data: bytes) -> None: ...

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
    """Keeps one connection open across messages; after any failure the next message reconnects.

    A failure in the middle of a transaction (after MAIL FROM) would otherwise leave the session
    half-open, and the next message would be refused with "503 nested MAIL command".
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
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
        self._client = client
        return client

    async def send(self, sender: str, recipients: list[str], data: bytes) -> None:
        recipients = [ascii_envelope_address(r) for r in recipients]
        try:
            client = await self._connected()
            options: list[str] = []
            if needs_smtputf8([sender, *recipients]):
                if not client.supports_extension("smtputf8"):
                    raise PermanentFailure("non-ASCII address and the relay does not offer SMTPUTF8")
                options = ["SMTPUTF8"]
            await client.sendmail(sender, recipients, data, mail_options=options)
        except PermanentFailure:
            raise
        except aiosmtplib.SMTPRecipientsRefused as error:
            await self.close()
            codes = [getattr(r, "code", 0) for r in error.recipients]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipients refused: {codes}") from error
            raise
        except Exception:
            await self.close()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
