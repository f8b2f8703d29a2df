"""Integration fixtures: a real aiosmtpd server on a free port, a real SQLite file, a simulated clock."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest

from atelier.bootstrap import Runtime
from atelier.clock import SimulatedClock
from atelier.demo.run import DEMO_SLUG, prepare
from notifications.catcher import CaughtMessage, MailboxHandler, MailCatcher

DECISION = date(2027, 1, 11)


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[MailCatcher]:
    """A real SMTP server (aiosmtpd) on a free port, writing .eml files."""
    server = MailCatcher(MailboxHandler(folder=tmp_path / "mailbox"))
    server.start()
    yield server
    server.stop()


@dataclass
class World:
    runtime: Runtime
    clock: SimulatedClock
    catcher: MailCatcher
    slug: str = DEMO_SLUG

    def emails(self) -> list[EmailMessage]:
        return [parse(m) for m in self.catcher.mailbox.messages]


def parse(message: CaughtMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.fixture
def world(tmp_path: Path, catcher: MailCatcher) -> Iterator[World]:
    """The demo's atelier and fictional people, in a fresh SQLite file, at the decision date."""
    runtime, clock = prepare(tmp_path / "data", tmp_path / "mailbox", DECISION, catcher.bound_port)
    yield World(runtime, clock, catcher)
    runtime.engine.dispose()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder holding the example atelier, created with the command line."""
    from tests.integration.cli_helpers import EXAMPLE, run

    code, out, err = run(tmp_path, "create", "--file", str(EXAMPLE))
    assert code == 0, err
    assert "Remise de l'avis prévue le 25/04/2027" in out
    return tmp_path
