"""Server time of the portfolio (/espace) for an administrator of 200 ateliers, each with 20 people
and 500 messages (some failed) and decisions waiting, against the bare SQL of its heaviest read."""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from datetime import time as datetime_time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text, update
from sqlmodel import Session, col

from atelier.bootstrap import bootstrap
from atelier.clock import PARIS, SimulatedClock
from atelier.config import Settings
from atelier.db import transaction
from atelier.services.accounts import add_account
from atelier.services.ateliers import AtelierCreate, create_atelier
from atelier.services.people import add_people
from bench.workspace import measure, page_of, signed_in_client
from models import Gate, OutboxMessage
from models.enums import GateStatus, OutboxStatus
from models.person_in import validate_person
from models.types import pk

ATELIERS = 200
PEOPLE = 20
MESSAGES = 500


FAILED_BY_ATELIER = (
    "SELECT atelier_id, count(*) FROM outbox_message WHERE status = 'FAILED' GROUP BY atelier_id"
)


def _messages(atelier_id: int, number: int, now: datetime) -> list[dict[str, Any]]:
    statuses = list(OutboxStatus)
    return [
        {
            "atelier_id": atelier_id, "key": f"bench|{number}|{i}", "kind": "weekend_reminder",
            "recipient": f"p{number}.{i % PEOPLE}@example.org", "subject": f"Rappel {i}",
            "body_text": "x" * 800, "body_html": "<p>x</p>" * 100, "context": {}, "attempts": 0,
            "message_id": f"<{number}.{i}@bench>", "status": statuses[(i + number) % len(statuses)],
            "due_at": now + timedelta(hours=i % 300), "created_at": now,
        }
        for i in range(MESSAGES)
    ]  # fmt: skip


def _atelier(session: Session, number: int, decision: date, now: datetime) -> None:
    """One atelier, started up to three months ago, its people and messages; a third of them wait
    for a decision, some long past its date."""
    started = decision - timedelta(days=number % 90)
    atelier, _ = create_atelier(
        session=session, now=now, allow_past=True,
        atelier_in=AtelierCreate(
            slug=f"atelier-{number:03}", title=f"Atelier n°{number:03}", commanditaire="Ministère",
            question="Quelle question ?", decision_date=started,
        ),
    )  # fmt: skip
    people = [
        validate_person({
            "full_name": f"P {number}-{i}", "email": f"p{number}.{i}@example.org",
            "roles": "citoyen" if i > 3 else "membre du COPIL",
        })
        for i in range(PEOPLE)
    ]  # fmt: skip
    add_people(session=session, atelier=atelier, people=people, now=now)
    session.execute(insert(OutboxMessage), _messages(pk(atelier), number, now))
    if number % 3 == 0:
        first_gate = (col(Gate.atelier_id) == pk(atelier)) & (col(Gate.key) == "cahier_des_charges_valide")
        opened = now - timedelta(days=number % 40)
        session.execute(update(Gate).where(first_gate).values(status=GateStatus.OPEN, opened_at=opened))


def run_portfolio() -> None:
    with tempfile.TemporaryDirectory() as folder:
        decision = date(2027, 1, 11)
        clock = SimulatedClock(datetime.combine(decision, datetime_time(9), tzinfo=PARIS))
        runtime = bootstrap(Settings(data_dir=Path(folder), secret_key="bench"), clock=clock)
        now = clock.now()
        with transaction(runtime.engine) as session:
            admin = add_account(
                session=session, email="ada@example.org", full_name="Ada", is_admin=True, now=now
            )
            for number in range(ATELIERS):
                _atelier(session, number, decision, now)
            admin_person = admin.person_id
        client = signed_in_client(runtime, admin_person)

        def bare() -> object:
            with runtime.engine.connect() as connection:
                return connection.execute(text(FAILED_BY_ATELIER)).all()

        print(f"Portfolio, {ATELIERS} ateliers of {PEOPLE} people and {MESSAGES} messages each (ms):")
        measure([
            ("portefeuille", page_of(client, "/espace"), bare),
            ("portefeuille filtré", page_of(client, "/espace?etat=en_retard&tri=avis"), bare),
        ])  # fmt: skip
