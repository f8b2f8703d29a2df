"""A local SMTP server (aiosmtpd) that writes each message as an .eml file: the embedded default."""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session


@dataclass
class CaughtMessage:
    sender: str
    recipients: list[str]
    data: bytes
    received_at: float = 0.0  # time.monotonic() when the server accepted it


@dataclass
class MailboxHandler:
    """Stores messages in memory and, if a folder is given, as .eml files never overwritten.

    File names are the arrival time (sortable) and a hash of the message: a restarted catcher
    writing into the same folder keeps every earlier message.
    """

    folder: Path | None = None
    refusing: bool = False  # answer 451 (try later), as a server under load would
    delay_seconds: float = 0.0  # a slow server, to catch a dispatcher mid-batch in tests
    unknown_recipients: set[str] = field(default_factory=set)  # answered 550 (no such mailbox)
    messages: list[CaughtMessage] = field(default_factory=list)
    most_at_once: int = 0  # the most messages this server was receiving at the same time
    _receiving: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.unknown_recipients:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.refusing:
            return "451 4.3.0 Service temporarily unavailable, try again later"
        if self.delay_seconds:
            with self._lock:
                self._receiving += 1
                self.most_at_once = max(self.most_at_once, self._receiving)
            try:
                await asyncio.sleep(self.delay_seconds)
            finally:
                with self._lock:
                    self._receiving -= 1
        data = envelope.original_content or b""
        with self._lock:
            self.messages.append(
                CaughtMessage(envelope.mail_from or "", list(envelope.rcpt_tos), data, time.monotonic())
            )
            if self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                _write_eml(self.folder, data, envelope.rcpt_tos[0] if envelope.rcpt_tos else "x")
        return "250 Message accepted for delivery"


def _write_eml(folder: Path, data: bytes, recipient: str) -> Path:
    """Arrival time (UTC, sortable) + a hash of the message; never replaces an existing file."""
    nanoseconds = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(nanoseconds // 1_000_000_000))
    digest = hashlib.sha256(data).hexdigest()[:10]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", recipient)[:60]
    stem = f"{stamp}.{nanoseconds % 1_000_000_000:09d}-{digest}-{safe}"
    extra = 0
    while True:
        candidate = folder / (f"{stem}.eml" if extra == 0 else f"{stem}-{extra}.eml")
        try:
            with candidate.open("xb") as handle:  # "x": fails rather than overwrite
                handle.write(data)
            return candidate
        except FileExistsError:
            extra += 1


class MailCatcher(Controller):
    """aiosmtpd's Controller, able to bind port 0 (the stock readiness probe uses the set port)."""

    def __init__(
        self, handler: MailboxHandler, *, host: str = "127.0.0.1", port: int = 0, smtputf8: bool = True
    ) -> None:
        super().__init__(handler, hostname=host, port=port, ready_timeout=10.0, enable_SMTPUTF8=smtputf8)
        self.mailbox = handler

    def _trigger_server(self) -> None:
        # Read the port actually bound before the base class probes it.
        server = self.server
        if isinstance(server, asyncio.Server) and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]

    @property
    def bound_port(self) -> int:
        return int(self.port)
