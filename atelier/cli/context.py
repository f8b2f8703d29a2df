"""What every command needs: settings, a migrated engine, the clock; and French errors."""

from __future__ import annotations

import errno
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.engine import Engine

from atelier.clock import PARIS, Clock, SystemClock
from atelier.config import Settings
from atelier.db import make_engine, migrate
from atelier.errors import AtelierError, Refused, french_validation_message

log = logging.getLogger("atelier.cli")

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class AppContext:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    _engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.resolved_database_url)
            migrate(self._engine)
        return self._engine

    def now(self) -> datetime:
        return self.clock.now()


def app_context(ctx: typer.Context) -> AppContext:
    """The settings, engine and clock the root command set up."""
    obj = ctx.find_root().obj
    if not isinstance(obj, AppContext):
        raise RuntimeError("CLI context missing")
    return obj


def terminal() -> Console:
    """The terminal at its own width (80 when not a terminal; COLUMNS overrides)."""
    return Console(highlight=False)


def fail(message_fr: str) -> typer.Exit:
    typer.echo(f"Erreur : {message_fr}", err=True)
    return typer.Exit(code=1)


def french_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn refused operations into one French error line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AtelierError as error:
            log.info("refused: %s", error)
            raise fail(error.message_fr) from None
        except ValidationError as error:
            raise fail(french_validation_message(error)) from None
        except OSError as error:
            log.info("system error: %s", error)
            raise fail(french_os_error(error)) from None

    return wrapper


_ERRNO_FR = {
    errno.EACCES: "droits insuffisants",
    errno.EPERM: "droits insuffisants",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "disque plein",
    errno.EADDRINUSE: "adresse déjà utilisée",
}


def read_input(path: Path) -> bytes:
    """A file the user named, or one French line saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise Refused(french_os_error(error), "cannot read file") from None


def french_os_error(error: OSError) -> str:
    """One French line for a file-system or network error (the path, not the traceback)."""
    reason = _ERRNO_FR.get(error.errno or 0, "erreur du système")
    where = f" : {error.filename}" if error.filename else ""
    return f"opération impossible ({reason}){where}"


def parse_date(value: str, *, label: str = "date") -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise AtelierError(
            f"{label} : « {value} » n'est pas une date valide (format attendu AAAA-MM-JJ)"
        ) from None


def parse_paris_datetime(day: str, at: str | None, *, default: time) -> datetime:
    """A date and an optional HH:MM, read as Paris local time."""
    parsed_day = parse_date(day)
    clock_time = default
    if at:
        try:
            clock_time = time.fromisoformat(at.strip())
        except ValueError:
            raise AtelierError(
                f"heure : « {at} » n'est pas une heure valide (format attendu HH:MM)"
            ) from None
    return datetime.combine(parsed_day, clock_time, tzinfo=PARIS)


def parse_now(value: str) -> datetime:
    """A simulated now, ISO format, Paris time unless an offset is given."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(f"« {value} » n'est pas une date-heure valide") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)
