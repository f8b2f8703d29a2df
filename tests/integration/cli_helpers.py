"""Running the ``atelier`` command in-process against a data folder, and counting what it wrote."""

from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from atelier.cli.main import app
from atelier.config import Settings
from atelier.db import make_engine
from models import Atelier, Membership, Person

EXAMPLE = Path(__file__).parents[2] / "examples" / "atelier.yaml"
SLUG = "mobilites-rurales-2027"

runner = CliRunner()


def run(data_dir: Path, *args: str, columns: int = 200) -> tuple[int, str, str]:
    """The command as typed in a terminal ``columns`` wide, at 10:00 on the decision day."""
    result = runner.invoke(
        app, ["--data-dir", str(data_dir), "--now", "2027-01-11T10:00", *args], env={"COLUMNS": str(columns)}
    )
    return result.exit_code, result.stdout, result.stderr


def engine_of(data_dir: Path) -> Engine:
    """The database the command used for this data folder (its SQLite file, or PostgreSQL)."""
    return make_engine(Settings(data_dir=data_dir).resolved_database_url)


def counts(data_dir: Path) -> tuple[int, int, int]:
    engine = engine_of(data_dir)
    with Session(engine) as session:
        result = (
            session.exec(select(func.count()).select_from(Atelier)).one(),
            session.exec(select(func.count()).select_from(Person)).one(),
            session.exec(select(func.count()).select_from(Membership)).one(),
        )
    engine.dispose()
    return result
