"""A decision link lives as long as the decision it asks: past its due date and a margin, whenever
the message carrying it leaves (a reminder leaves days after it is written)."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from sqlmodel import select

from atelier.db import transaction
from atelier.links import LinkSigner
from models import OutboxMessage
from tests.integration.helpers import World, gate_of, until_open


def test_every_reminder_carries_a_link_valid_past_the_decision_due_date(world: World) -> None:
    """With links otherwise valid two days, each decision reminder's link still opens a day after the
    decision is due."""
    settings = world.runtime.settings
    short_lived = LinkSigner(
        settings.resolved_secret_key(), base_url=settings.public_base_url, max_age=timedelta(days=2)
    )
    world.runtime = dataclasses.replace(world.runtime, signer=short_lived)
    until_open(world, "copil_1")
    due = gate_of(world, "copil_1").due_at
    with transaction(world.runtime.engine) as session:
        queued = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "decision_reminder")).all()
    reminders = [m for m in queued if m.context.get("gate") == "copil_1"]
    assert reminders
    for reminder in reminders:
        found = re.search(r"/decision/(\S+)", reminder.body_text)
        assert found is not None
        claims = short_lived.read(found.group(1), purpose="decision", now=due + timedelta(days=1))
        assert claims.gate == "copil_1"  # read, not expired
