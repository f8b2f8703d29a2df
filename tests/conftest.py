"""Fixtures shared by every layer of tests: real SQLite files in a temporary folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from atelier.db import make_engine, migrate

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

DECISION = date(2027, 1, 11)
CREATED = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite file database, new for each test."""
    engine = make_engine(f"sqlite:///{tmp_path / 'atelier.db'}")
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
