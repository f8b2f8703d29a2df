"""Every request body bounded before it costs anything: refused on its declared length before a byte
is read, or as soon as it passes its limit when it does not declare one (chunked).

One limit for every request (``Settings.max_request_mb``), and larger ones for the uploads that
need them, by path: a gate's documents and a pool of volunteers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atelier.web.pages import Pages

log = logging.getLogger("atelier.web")

MEGABYTE = 1024 * 1024
# What a multipart form adds to its file (boundaries, headers, the CSRF field).
FORM_OVERHEAD = 64 * 1024


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a body without a declared length passes its limit."""


def _megabytes(limit: int) -> str:
    return f"{limit / MEGABYTE:.0f} Mo"


class BodyLimit:
    """ASGI middleware: a 413 page (French) for a body over its limit."""

    def __init__(
        self, app: ASGIApp, *, pages: Pages, default: int, uploads: Sequence[tuple[str, int]] = ()
    ) -> None:
        self.app, self.pages, self.default = app, pages, default
        self.uploads = [(re.compile(pattern), limit + FORM_OVERHEAD) for pattern, limit in uploads]

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.uploads:
            if pattern.fullmatch(path):
                return max(limit, self.default)
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        log.warning("request body over %d bytes refused path=%s", limit, scope["path"].split("/")[1])
        response = self.pages.notice(
            "Envoi trop volumineux",
            error=f"ce que vous avez envoyé dépasse {_megabytes(limit)} : choisissez un fichier plus petit",
            status=413,
        )
        # The client may still be sending: the connection closes after this answer.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
