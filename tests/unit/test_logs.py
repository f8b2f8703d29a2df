"""Log lines: JSON on request, and an address that reaches a line is masked, traceback included."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from atelier.logs import (
    MASK,
    AtelierLogHandler,
    MaskedJsonFormatter,
    MaskedTextFormatter,
    configure_logging,
    mask_personal_data,
)


def _record(message: str, *args: object, error: Exception | None = None) -> logging.LogRecord:
    exc_info = None
    if error is not None:
        try:
            raise error
        except type(error):
            exc_info = sys.exc_info()
    return logging.LogRecord("atelier.test", logging.ERROR, __file__, 1, message, args, exc_info)


def test_addresses_are_masked_in_text_lines_and_tracebacks() -> None:
    """An address in the message's arguments and in the exception's text never reaches the line."""
    record = _record(
        "refused %s", "marie.curie@example.fr", error=ValueError("550 <j.dupont+atelier@mairie.fr> unknown")
    )
    line = MaskedTextFormatter("%(message)s").format(record)
    assert "marie.curie@example.fr" not in line and "j.dupont+atelier@mairie.fr" not in line
    assert line.count(MASK) == 2
    assert "ValueError: 550 <" + MASK + "> unknown" in line


def test_json_lines_are_one_object_with_the_address_masked() -> None:
    """The JSON formatter gives one parseable object a line, its message masked."""
    formatter = MaskedJsonFormatter(
        "%(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"}
    )
    line = formatter.format(_record("sent to %s", "élise@exemple.fr"))
    parsed = json.loads(line)
    assert parsed == {"level": "ERROR", "name": "atelier.test", "message": f"sent to {MASK}"}


def test_lines_without_an_address_are_left_alone() -> None:
    """Ids, paths and times pass unchanged."""
    line = "outbox=42 atelier=3 sent in 0.2 s (2027-01-11T08:00)"
    assert mask_personal_data(line) == line


def test_lines_go_to_the_standard_error_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run in-process closes the stream it was given: later lines still find a stream."""
    import io

    first, later = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging(level="WARNING", json_lines=False)
    first.close()
    monkeypatch.setattr(sys, "stderr", later)
    try:
        logging.getLogger("atelier.test").warning("outbox=3 given up")
    finally:
        for handler in list(logging.getLogger().handlers):
            if isinstance(handler, AtelierLogHandler):
                logging.getLogger().removeHandler(handler)
    assert "WARNING atelier.test: outbox=3 given up" in later.getvalue()
    assert "Logging error" not in later.getvalue()
