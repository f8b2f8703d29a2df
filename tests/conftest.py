"""Fixtures shared by every layer of tests: real SQLite files in a temporary folder or, with
ATELIER_TEST_DATABASE=postgresql (the second pass of ``make test``), a fresh database per test on a
throwaway PostgreSQL cluster (``tests/postgres.py``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from atelier.db import make_engine, migrate
from tests.postgres import Cluster, start_cluster

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

DECISION = date(2027, 1, 11)
CREATED = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster | None]:
    """The PostgreSQL cluster of a PostgreSQL pass (None on SQLite), for the whole session."""
    if os.environ.get("ATELIER_TEST_DATABASE", "sqlite") != "postgresql":
        yield None
        return
    try:
        cluster = start_cluster(Path(tempfile.mkdtemp(prefix="atelier-pg-")))
    except (RuntimeError, OSError) as error:
        pytest.fail(f"cannot start PostgreSQL for the tests: {error}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(autouse=True)
def database_url(request: pytest.FixtureRequest, postgres: Cluster | None,
                 monkeypatch: pytest.MonkeyPatch) -> str | None:  # fmt: skip
    """On PostgreSQL, a fresh database per test, given to every Settings through the environment
    (subprocesses included); on SQLite, None: each data folder has its own file."""
    if postgres is None:
        return None
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about SQLite itself (its file, its lock)")
    url = postgres.new_database()
    monkeypatch.setenv("ATELIER_DATABASE_URL", url)
    return url


@pytest.fixture
def engine(tmp_path: Path, database_url: str | None) -> Iterator[Engine]:
    """A migrated database, new for each test: a SQLite file, or PostgreSQL in its pass."""
    engine = make_engine(database_url or f"sqlite:///{tmp_path / 'atelier.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Prefect server for the whole session (started once, generous timeout, heartbeats off)."""
    from atelier.prefect_runtime import LocalPrefectServer, drain_prefect_workers, prefect_settings

    home = tmp_path_factory.mktemp("prefect-home")
    server = LocalPrefectServer(home)
    url = server.start(timeout=240)
    os.environ["PREFECT_API_URL"] = url  # for subprocesses and prefect_session()
    try:
        with prefect_settings(url, home=home):
            yield url
            drain_prefect_workers()
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package, installed by .ci/run; never `playwright install`


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    """pytest-playwright launches Debian's Chromium, quiet on a machine with no network."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install chromium (as .ci/run does)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running for the rest of the session."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
