"""A local SMTP server (aiosmtpd) that writes each message as an .eml file: the embedded default."""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
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


@dataclass
class MailboxHandler:
    """Stores messages in memory and, if a folder is given, as numbered .eml files."""

    folder: Path | None = None
    refusing: bool = False  # answer 451 (try later), as a server under load would
    delay_seconds: float = 0.0  # a slow server, to catch a dispatcher mid-batch in tests
    messages: list[CaughtMessage] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.refusing:
            return "451 4.3.0 Service temporarily unavailable, try again later"
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        data = envelope.original_content or b""
        with self._lock:
            number = next(self._counter)
            self.messages.append(CaughtMessage(envelope.mail_from or "", list(envelope.rcpt_tos), data))
            if self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", envelope.rcpt_tos[0] if envelope.rcpt_tos else "x")
                (self.folder / f"{number:05d}-{safe}.eml").write_bytes(data)
        return "250 Message accepted for delivery"


class MailCatcher(Controller):
    """aiosmtpd's Controller, able to bind port 0 (the stock readiness probe uses the set port)."""

    def __init__(self, handler: MailboxHandler, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(handler, hostname=host, port=port, ready_timeout=10.0)
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
