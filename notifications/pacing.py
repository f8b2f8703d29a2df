"""The relay's limits, held by each dispatcher: messages per minute in all, and per recipient domain.

A relay caps the rate (e.g. 600 a minute) and the big mailbox providers throttle a sender that
writes too fast to their domain. Both limits are leaky buckets (aiolimiter) holding a quarter of a
second's worth of messages (at least one): the messages go out evenly spaced, never in a burst that
would trip the relay at the minute's start, and a timer that fires late is made up at once instead
of lowering the rate (a bucket of one loses each late wake-up: measured 6 % under the limit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiolimiter import AsyncLimiter


def recipient_domain(recipients: Sequence[str]) -> str:
    """The domain a message is throttled under: its first recipient's, lower-cased."""
    first = recipients[0] if recipients else ""
    return first.rpartition("@")[2].lower()


def _bucket(per_minute: int) -> AsyncLimiter:
    capacity = max(1.0, per_minute / 240)
    return AsyncLimiter(capacity, capacity * 60 / per_minute)


class SendPacing:
    """When the next message may leave; no limit set means no wait."""

    def __init__(self, *, per_minute: int | None, per_domain_per_minute: int | None) -> None:
        self.per_minute = per_minute
        self.per_domain_per_minute = per_domain_per_minute
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all: AsyncLimiter | None = None
        self._domains: dict[str, AsyncLimiter] = {}

    @property
    def limited(self) -> bool:
        return bool(self.per_minute or self.per_domain_per_minute)

    def _bind(self) -> None:
        # A limiter belongs to one event loop: a dispatcher reused under a new loop starts afresh.
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._all = _bucket(self.per_minute) if self.per_minute else None
            self._domains = {}

    def _domain(self, domain: str) -> AsyncLimiter | None:
        if not self.per_domain_per_minute:
            return None
        if domain not in self._domains:
            self._domains[domain] = _bucket(self.per_domain_per_minute)
        return self._domains[domain]

    def ready(self, domain: str) -> bool:
        """Whether a message to ``domain`` could leave now as far as its domain's limit goes."""
        self._bind()
        limiter = self._domain(domain)
        return limiter is None or limiter.has_capacity()

    async def wait(self, domain: str) -> None:
        """Wait for the domain's turn, then for the relay's."""
        self._bind()
        limiter = self._domain(domain)
        if limiter is not None:
            await limiter.acquire()
        if self._all is not None:
            await self._all.acquire()
