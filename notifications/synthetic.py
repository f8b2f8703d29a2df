"""Synthetic outbox rows for benchmarks and dispatcher tests (fictional recipients only)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from atelier.config import Settings
from models import OutboxMessage
from models.enums import OutboxStatus
from notifications.calendar_invite import Invite, InviteMethod, build_invite
from notifications.compose import message_id_for
from notifications.rendering import render_message


def synthetic_rows(
    count: int,
    *,
    first_due: datetime,
    spread: timedelta,
    settings: Settings,
    with_ics: bool = True,
    prefix: str = "s",
    domains: tuple[str, ...] = ("example.org",),
) -> list[dict[str, object]]:
    """``count`` rows due evenly over ``spread`` from ``first_due``, as column dictionaries; the
    recipients' domains take turns in ``domains``."""
    context = {
        "atelier": {"title": "Atelier de test", "commanditaire": "Ministère", "slug": "test"},
        "team": {"name": settings.mail_from_name, "email": settings.team_email},
        "failed": {"subject": "s", "recipient": "r", "attempts": 1, "error": "e"},
    }
    rendered = render_message("team_undeliverable_alert", context)
    ics = (
        build_invite(
            Invite(
                uid="synthetic@example.org",
                sequence=0,
                method=InviteMethod.REQUEST,
                summary="Session",
                description="Session",
                location="En ligne",
                start=first_due + timedelta(days=7),
                end=first_due + timedelta(days=7, hours=1, minutes=30),
                organizer_email=settings.mail_from,
                organizer_name=settings.mail_from_name,
                attendee_email="personne@example.org",
                attendee_name="Personne",
                stamp=first_due,
            )
        )
        if with_ics
        else None
    )
    step = spread / max(1, count)
    rows: list[dict[str, object]] = []
    for index in range(count):
        key = f"{prefix}|{index}"
        rows.append(
            {
                "atelier_id": None,
                "key": key,
                "kind": "synthetic",
                "person_id": None,
                "recipient": f"personne{index}@{domains[index % len(domains)]}",
                "subject": f"{rendered.subject} #{index}",
                "body_text": rendered.text,
                "body_html": rendered.html,
                "ics": ics,
                "ics_method": "REQUEST" if with_ics else None,
                "context": {"synthetic": True},
                "message_id": message_id_for(key, settings),
                "status": OutboxStatus.PENDING,
                "due_at": first_due + step * index,
                "created_at": first_due,
                "attempts": 0,
            }
        )
    return rows


def insert_rows(engine: Engine, rows: list[dict[str, object]]) -> None:
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for start in range(0, len(rows), 1000):
            connection.execute(insert(table), rows[start : start + 1000])
