"""Migrations on a database that already holds an atelier: upgrading keeps every row; on SQLite and,
in its pass, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from atelier.db import alembic_config, make_engine, migrate
from tests.integration.cli_helpers import EXAMPLE, engine_of, run


def _engine(tmp_path: Path, database_url: str | None) -> Engine:
    return make_engine(database_url or f"sqlite:///{tmp_path / 'atelier.db'}")


def test_upgrade_from_an_early_schema_keeps_the_atelier_and_its_people(
    tmp_path: Path, database_url: str | None
) -> None:
    """An atelier with people and steps at revision 0003, upgraded to head: all there, new columns empty."""
    engine = _engine(tmp_path, database_url)
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
    engine = engine_of(tmp_path)
    with engine.connect() as connection:
        phone = connection.execute(text("SELECT day_phone FROM atelier")).scalar()
    engine.dispose()
    assert phone == "01 23 45 67 89"


def test_migrations_build_exactly_the_tables_the_models_declare(
    tmp_path: Path, database_url: str | None
) -> None:
    """Upgraded to head, the schema has every table, column and index of the models: nothing drifts."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import models  # noqa: F401  (registers the tables)

    engine = _engine(tmp_path, database_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    engine.dispose()


LAST_RELEASE = "0017"  # the release that brought the avis, its answers and the marks


def test_upgrade_from_the_last_release_keeps_the_avis_its_answers_and_the_marks(
    tmp_path: Path, database_url: str | None
) -> None:
    """A database at the last release's revision with an avis, an answer and a citizen's mark,
    upgraded to head: every row kept; the mark, given before answers were told apart, still counts."""
    engine = _engine(tmp_path, database_url)
    command.upgrade(alembic_config(engine), LAST_RELEASE)
    rows = [
        "INSERT INTO atelier (slug, title, commanditaire, question, avis_form, template_key, decision_date, "
        "target_avis_date, created_at, risk) VALUES ('a', 'Atelier', 'Ministère', 'Question ?', 'PROPOSALS', "
        "'atelier_citoyen', '2027-01-11', '2027-05-11', '2027-01-11 08:00:00', 'on_track')",
        "INSERT INTO person (full_name, email) VALUES ('Ali Ben', 'ali@example.org')",
        "INSERT INTO membership (atelier_id, person_id, role, added_at) "
        "VALUES (1, 1, 'citizen', '2027-01-11 08:00:00')",
        "INSERT INTO avis_version (atelier_id, version, validated_on, text, digest, recorded_at, "
        "recorded_by) VALUES (1, 1, '2027-04-25', 'Nous recommandons.', 'abc', '2027-04-26 08:00:00', "
        "'team')",
        "INSERT INTO avis_proposal (avis_version_id, number, title, text, position) "
        "VALUES (1, 1, 'Des navettes', 'Créer des navettes.', 'CONSENSUS')",
        "INSERT INTO proposal_answer (atelier_id, number, status, reason, recorded_at, recorded_by, "
        "published_at) VALUES (1, 1, 'RETAINED', NULL, '2027-06-01 08:00:00', 'team', '2027-06-02 08:00:00')",
        "INSERT INTO answer_mark (atelier_id, person_id, number, mark, comment, marked_at) "
        "VALUES (1, 1, 1, 8, 'Bien.', '2027-06-03 08:00:00')",
    ]
    with engine.begin() as connection:
        for row in rows:
            connection.execute(text(row))
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT mark, comment, answer_id FROM answer_mark")).all() == [
            (8, "Bien.", None)
        ]
        assert connection.execute(text("SELECT count(*) FROM proposal_answer")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM evaluation_response")).scalar() == 0
    from atelier.db import transaction
    from atelier.services.ateliers import get_atelier
    from atelier.services.marks import mark_averages

    with transaction(engine) as session:
        assert mark_averages(session=session, atelier=get_atelier(session=session, slug="a")) == {1: (8.0, 1)}
    engine.dispose()


def test_upgrade_renames_the_team_messages_keys_per_atelier_and_keeps_the_alerts(
    tmp_path: Path, database_url: str | None
) -> None:
    """Team messages queued or sent before 0022 get the atelier in their key, the planner's new form,
    so that none is queued again; an undeliverable alert (outside the plan) keeps its key."""
    engine = _engine(tmp_path, database_url)
    command.upgrade(alembic_config(engine), "0020")
    atelier = (
        "INSERT INTO atelier (slug, title, commanditaire, question, avis_form, template_key, decision_date, "
        "target_avis_date, created_at, risk) VALUES ('a', 'Atelier', 'Ministère', 'Question ?', 'PROPOSALS', "
        "'atelier_citoyen', '2027-01-11', '2027-05-11', '2027-01-11 08:00:00', 'on_track')"
    )
    message = (
        "INSERT INTO outbox_message (atelier_id, key, kind, recipient, subject, body_text, body_html, "
        "context, message_id, status, due_at, created_at, attempts) VALUES (1, :key, 'k', "
        "'equipe@example.org', 'Objet', 'Texte', '<p>Texte</p>', :context, :key, 'SENT', "
        "'2027-02-10 06:00:00', '2027-02-10 06:00:00', 1)"
    )
    with engine.begin() as connection:
        connection.execute(text(atelier))
        for key, context in (
            ("team|team_risk_alert|2027-05-23", '{"rule": "risk_alerts"}'),
            ("team|team_risk_alert|2027-05-23|t1", '{"rule": "risk_alerts"}'),
            ("team|undeliverable|7", '{"alert": "team_undeliverable_alert"}'),
            ("p1|invitation|weekend_1|r0", '{"rule": "invitations"}'),
        ):
            connection.execute(text(message), {"key": key, "context": context})
    migrate(engine)
    with engine.connect() as connection:
        keys = sorted(connection.execute(text("SELECT key FROM outbox_message")).scalars())
    assert keys == [
        "a1|p1|invitation|weekend_1|r0",
        "team|a1|team_risk_alert|2027-05-23",
        "team|a1|team_risk_alert|2027-05-23|t1",
        "team|undeliverable|7",
    ]
    engine.dispose()
