"""Migrations on a database that already holds an atelier: upgrading keeps every row."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from atelier.db import alembic_config, make_engine, migrate
from tests.integration.cli_helpers import EXAMPLE, run


def test_upgrade_from_the_previous_release_keeps_the_atelier_and_its_people(tmp_path: Path) -> None:
    """An atelier with people and steps at revision 0003, upgraded to head: all there, new columns empty."""
    engine = make_engine(f"sqlite:///{tmp_path / 'atelier.db'}")
    command.upgrade(alembic_config(engine), "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO atelier (slug, title, commanditaire, question, avis_form, template_key, "
                "decision_date, target_avis_date, created_at, risk) VALUES ('a', 'Atelier', 'Ministère', "
                "'Question ?', 'PROPOSALS', 'atelier_citoyen', '2027-01-11', '2027-05-11', "
                "'2027-01-11 08:00:00', 'on_track')"
            )
        )
        connection.execute(
            text("INSERT INTO person (full_name, email) VALUES ('Ali Ben', 'ali@example.org')")
        )
        connection.execute(
            text(
                "INSERT INTO membership (atelier_id, person_id, role, added_at) "
                "VALUES (1, 1, 'citizen', '2027-01-11 08:00:00')"
            )
        )
    migrate(engine)
    assert {"venue_access", "day_phone"} <= {c["name"] for c in inspect(engine).get_columns("atelier")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT slug, venue_access FROM atelier")).all() == [("a", None)]
        assert connection.execute(text("SELECT count(*) FROM membership")).scalar() == 1
    engine.dispose()


def test_example_file_creates_an_atelier_with_its_practical_details(tmp_path: Path) -> None:
    """The example YAML's access and phone fields are accepted by `atelier create`."""
    code, _out, err = run(tmp_path, "create", "--file", str(EXAMPLE))
    assert code == 0, err
    engine = make_engine(f"sqlite:///{tmp_path / 'atelier.db'}")
    with engine.connect() as connection:
        phone = connection.execute(text("SELECT day_phone FROM atelier")).scalar()
    engine.dispose()
    assert phone == "01 23 45 67 89"


def test_migrations_build_exactly_the_tables_the_models_declare(tmp_path: Path) -> None:
    """Upgraded to head, the schema has every table, column and index of the models: nothing drifts."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import models  # noqa: F401  (registers the tables)

    engine = make_engine(f"sqlite:///{tmp_path / 'atelier.db'}")
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
