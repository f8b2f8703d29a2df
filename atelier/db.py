"""Engine, sessions and migrations. Nothing here runs at import time."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session, create_engine

from atelier.errors import AtelierError


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys, a busy timeout and real SAVEPOINTs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling emits BEGIN lazily and COMMITs on its own, so a
        # released SAVEPOINT was committed for good and an outer rollback did not undo it.
        # SQLAlchemy's documented recipe: turn it off and emit BEGIN ourselves (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock at the start: a unit of work that reads then writes
        # waits its turn (busy timeout) instead of failing on a lock upgrade under WAL.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("atelier") / "migrations"))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration (idempotent); unusable databases get a French error."""
    try:
        # Processes starting together on PostgreSQL (web, engines, dispatchers) migrate one at a
        # time; the later ones find the schema at head and do nothing.
        with held_exclusively(engine, "migrate"):
            command.upgrade(alembic_config(engine), "head")
    except (DatabaseError, OperationalError, sqlite3.DatabaseError) as error:
        raise AtelierError(_database_problem(engine, error), f"database unusable: {error}") from None


def _database_problem(engine: Engine, error: Exception) -> str:
    text = str(error).lower()
    where = engine.url.render_as_string(hide_password=True)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return f"la base de données ne peut pas être écrite ({where}) : vérifiez les droits du dossier"
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return f"le fichier {engine.url.database} n'est pas une base de données atelier utilisable"
    return f"la base de données est inutilisable ({where})"


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back whole on error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def held_exclusively(engine: Engine, name: str, *, wait: bool = True) -> Iterator[bool]:
    """While the block runs, no other process on the same PostgreSQL database is inside a block
    for ``name``: a session advisory lock, released at the end (or when the process dies). Waited
    for, or with ``wait=False`` tried once: the block gets False when another holds it. On SQLite
    there is nothing to do (True): one engine runs per data folder (``processes.py``)."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if wait:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        elif not connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar_one():
            yield False
            return
        try:
            yield True
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
