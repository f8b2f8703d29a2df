"""Sending over SMTP with one persistent aiosmtplib connection."""

from __future__ import annotations

import logging
from typing import Protocol

import aiosmtplib

from atelier.config import Settings

log = logging.getLogger("atelier.smtp")


class PermanentFailure(Exception):
    """The server refused this message for good (5xx for its recipient)."""


class MailTransport(Protocol):
    async def send(self, sender: str, recipients: list[str], data: bytes) -> None: ...

    async def close(self) -> None: ...


class SmtpTransport:
    """Keeps one connection open across messages; reconnects after a failure."""

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
        if s.smtp_username and s.smtp_password:
            await client.login(s.smtp_username, s.smtp_password)
        self._client = client
        return client

    async def send(self, sender: str, recipients: list[str], data: bytes) -> None:
        try:
            client = await self._connected()
            await client.sendmail(sender, recipients, data)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [getattr(r, "code", 0) for r in error.recipients]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipients refused: {codes}") from error
            raise
        except (aiosmtplib.SMTPException, OSError):
            await self.close()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
