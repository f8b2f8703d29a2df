"""Server time of the workspace's heaviest pages for a large atelier (150 citizens, 3,000
messages): the atelier page with its Gantt chart, the people page and the messages page,
against the same data read by a bare SQL query in the same run (the baseline)."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as datetime_time
from pathlib import Path

from sqlalchemy import text
from starlette.testclient import TestClient

from atelier.bootstrap import Runtime, bootstrap
from atelier.clock import PARIS, SimulatedClock
from atelier.config import Settings
from atelier.db import transaction
from atelier.demo.run import demo_atelier
from atelier.services.accounts import add_account, open_session
from atelier.services.ateliers import create_atelier
from atelier.services.people import add_people
from atelier.web.app import create_app
from atelier.web.deps import SESSION_COOKIE
from models import OutboxMessage
from models.enums import OutboxStatus
from models.person_in import validate_person
from models.types import pk

CITIZENS = 150
MESSAGES = 3_000
ROUNDS = 60
GOAL_P95_MS = 150.0


def _timed(action: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p95(times: list[float]) -> float:
    return sorted(times)[int(len(times) * 0.95) - 1]


def signed_in_client(runtime: Runtime, person_id: int) -> TestClient:
    """A client of the app signed in as this person (who has an account)."""
    now = runtime.clock.now()
    token = runtime.signer.signin_url(person_id=person_id, now=now).rsplit("/", 1)[1]
    with transaction(runtime.engine) as session:
        claims = runtime.signer.read(token, purpose="signin", now=now)
        cookie, _user = open_session(session=session, claims=claims, now=now)
    client = TestClient(create_app(runtime))
    client.cookies.set(SESSION_COOKIE, cookie)
    return client


def page_of(client: TestClient, path: str) -> Callable[[], object]:
    def fetch() -> object:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        return response

    return fetch


def run_workspace() -> None:
    with tempfile.TemporaryDirectory() as folder:
        decision = date(2027, 1, 11)
        clock = SimulatedClock(datetime.combine(decision, datetime_time(9), tzinfo=PARIS))
        runtime = bootstrap(Settings(data_dir=Path(folder), secret_key="bench"), clock=clock)
        with transaction(runtime.engine) as session:
            atelier, _ = create_atelier(session=session, atelier_in=demo_atelier(decision), now=clock.now())
            people = [
                validate_person(
                    {"full_name": f"Citoyen {i}", "email": f"c{i}@example.org", "roles": "citoyen"}
                )
                for i in range(CITIZENS)
            ]
            people.append(
                validate_person(
                    {"full_name": "Julien Faure", "email": "j@example.org", "roles": "équipe projet"}
                )
            )
            add_people(session=session, atelier=atelier, people=people, now=clock.now())
            statuses = list(OutboxStatus)
            for i in range(MESSAGES):
                session.add(
                    OutboxMessage(
                        atelier_id=pk(atelier),
                        key=f"bench|{i}",
                        kind="weekend_reminder",
                        person_id=None,
                        recipient=f"c{i % CITIZENS}@example.org",
                        subject=f"Rappel {i}",
                        body_text="x" * 800,
                        body_html="<p>x</p>" * 100,
                        context={},
                        message_id=f"<{i}@bench>",
                        status=statuses[i % len(statuses)],
                        due_at=clock.now() + timedelta(hours=i % 500),
                        created_at=clock.now(),
                    )
                )
            add_account(
                session=session,
                email="j@example.org",
                full_name="Julien Faure",
                is_admin=False,
                now=clock.now(),
            )
            atelier_id = pk(atelier)
        client = signed_in_client(runtime, CITIZENS + 1)
        slug = atelier.slug

        def page(path: str) -> Callable[[], object]:
            return page_of(client, path)

        def bare(sql: str) -> Callable[[], object]:
            def query() -> object:
                with runtime.engine.connect() as connection:
                    return connection.execute(text(sql), {"a": atelier_id}).all()

            return query

        cases = [
            ("atelier (Gantt)", page(f"/espace/{slug}"), bare("SELECT * FROM step WHERE atelier_id = :a")),
            ("personnes", page(f"/espace/{slug}/personnes"),
             bare("SELECT * FROM person JOIN membership ON membership.person_id = person.id "
                  "WHERE membership.atelier_id = :a")),
            ("messages (14 jours)", page(f"/espace/{slug}/messages"),
             bare("SELECT * FROM outbox_message WHERE atelier_id = :a AND status = 'PENDING' LIMIT 300")),
            # Runs the real recording in a savepoint, plans the messages before and after, rolls back.
            ("étape (aperçu)", page(f"/espace/{slug}/etapes/session_en_ligne_2"),
             bare("SELECT * FROM step WHERE atelier_id = :a")),
        ]  # fmt: skip
        print(f"Workspace pages, {CITIZENS} citizens, {MESSAGES} messages, {ROUNDS} requests each (ms):")
        measure(cases)


Case = tuple[str, Callable[[], object], Callable[[], object]]


def measure(cases: list[Case]) -> None:
    """Each page against its bare SQL baseline, interleaved so that both see the same machine load."""
    for name, fetch, baseline in cases:
        fetch(), baseline()  # warm up
        served, raw = [], []
        for _ in range(ROUNDS):
            served += _timed(fetch, 1)
            raw += _timed(baseline, 1)
        median, p95 = statistics.median(served), _p95(served)
        base = statistics.median(raw)
        verdict = "ok" if p95 <= GOAL_P95_MS else "OVER GOAL"
        print(
            f"  {name:22} median {median:6.1f}  p95 {p95:6.1f}  | bare SQL median {base:5.2f} "
            f"({median / base:5.0f}x)  goal p95 <= {GOAL_P95_MS:.0f}: {verdict}"
        )
