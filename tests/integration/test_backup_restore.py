"""deploy/backup.sh then deploy/restore.sh into another database: the same ateliers, people, decisions
and messages, the same files; a failed restore leaves the target as it was."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from atelier.db import make_engine
from tests.integration.helpers import World
from tests.postgres import Cluster

ROOT = Path(__file__).parents[2]


def _run(
    script: str, *args: str, url: str, data_dir: Path, cluster: Cluster
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ATELIER_DATABASE_URL": url,
        "ATELIER_DATA_DIR": str(data_dir),
        "PATH": f"{cluster.bindir}:{os.environ['PATH']}",  # pg_dump of the server's own version
    }
    return subprocess.run(
        ["sh", str(ROOT / "deploy" / script), *args], env=env, capture_output=True, text=True, timeout=120
    )


def _contents(url: str) -> dict[str, int]:
    """Rows per table, and the schema's migration."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            counts = {
                t: int(connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in tables
            }
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    return {**counts, f"version {version}": 1}


def test_backup_restores_into_another_database_with_its_files(
    world: World, postgres: Cluster | None, database_url: str | None, tmp_path: Path
) -> None:
    """What backup.sh saved, restore.sh puts back whole in an empty database and data folder."""
    if postgres is None or database_url is None:
        pytest.skip("pg_dump and pg_restore: the PostgreSQL pass")
    data_dir = world.runtime.settings.data_dir
    (data_dir / "fichiers").mkdir(parents=True, exist_ok=True)
    (data_dir / "fichiers" / "cahier-des-charges.pdf").write_bytes(b"%PDF-1.4 cahier")
    (data_dir / "secret_key").write_text("une-cle-de-signature-assez-longue-pour-la-production")
    original = _contents(database_url)
    assert original["person"] > 10 and original["gate"] > 3

    saved = _run(
        "backup.sh", str(tmp_path / "sauvegardes"), url=database_url, data_dir=data_dir, cluster=postgres
    )
    assert saved.returncode == 0, saved.stderr
    dump = next((tmp_path / "sauvegardes").glob("atelier-*.dump"))
    assert oct(dump.stat().st_mode & 0o777) == "0o600"  # personal data: the operator's eyes only

    target, restored_dir = postgres.new_database(), tmp_path / "restauree"
    restored = _run("restore.sh", str(dump), url=target, data_dir=restored_dir, cluster=postgres)
    assert restored.returncode == 0, restored.stderr
    assert "Restauration terminée" in restored.stdout
    assert _contents(target) == original
    assert (restored_dir / "fichiers" / "cahier-des-charges.pdf").read_bytes() == b"%PDF-1.4 cahier"
    assert (restored_dir / "secret_key").read_text().startswith("une-cle-de-signature")

    # Restoring again over a database in use replaces it (--clean), still whole.
    again = _run("restore.sh", str(dump), url=target, data_dir=restored_dir, cluster=postgres)
    assert again.returncode == 0, again.stderr
    assert _contents(target) == original


def test_a_restore_failing_part_way_leaves_the_database_as_it_was(
    world: World, postgres: Cluster | None, database_url: str | None, tmp_path: Path
) -> None:
    """A target whose tables cannot be dropped (a view of the operator's on them): restore.sh fails
    with the error, and the target keeps every table and row it had (one transaction)."""
    if postgres is None or database_url is None:
        pytest.skip("pg_dump and pg_restore: the PostgreSQL pass")
    data_dir = world.runtime.settings.data_dir
    saved = _run("backup.sh", str(tmp_path / "s"), url=database_url, data_dir=data_dir, cluster=postgres)
    assert saved.returncode == 0, saved.stderr
    dump = next((tmp_path / "s").glob("atelier-*.dump"))
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE VIEW rapport_local AS SELECT id FROM person"))
    engine.dispose()
    before = _contents(database_url)
    failed = _run("restore.sh", str(dump), url=database_url, data_dir=tmp_path / "d", cluster=postgres)
    assert failed.returncode != 0
    assert "rapport_local" in failed.stderr
    assert _contents(database_url) == before
