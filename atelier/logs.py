"""Log lines for an operator: text or JSON (``ATELIER_LOG_FORMAT=json``), never personal data.

The code logs ids (outbox=…, atelier=…), never a name or an address. As a last line of defence,
any e-mail address that reaches a line anyway (an exception's text from a relay, a library's
message) is masked before the line is written, traceback included.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

EMAIL_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
MASK = "<adresse masquée>"


def mask_personal_data(line: str) -> str:
    return EMAIL_ADDRESS.sub(MASK, line) if "@" in line else line


def _masked(record: logging.LogRecord, formatter: logging.Formatter) -> logging.LogRecord:
    """A copy of ``record`` with its message and traceback already formatted, and masked."""
    masked = logging.makeLogRecord(record.__dict__)
    masked.msg, masked.args = mask_personal_data(record.getMessage()), None
    if record.exc_info:
        masked.exc_text = mask_personal_data(formatter.formatException(record.exc_info))
        masked.exc_info = None
    return masked


class MaskedTextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return super().format(_masked(record, self))


class MaskedJsonFormatter(JsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, json_ensure_ascii=False, **kwargs)  # French reads as French

    def format(self, record: logging.LogRecord) -> str:
        return super().format(_masked(record, self))


class AtelierLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, told apart from the handlers of pytest and Prefect (whose set-up keeps a root handler
    it did not make, unless its class name starts with an underscore). Writes to the standard
    error of the moment: a command run in-process (tests) may close the one it had at set-up."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


# Loggers that Prefect's set-up gives a console handler of their own, cut from the root: routed
# back, so that every line has the chosen format and the mask.
_LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "prefect._internal")


def configure_logging(*, level: str, json_lines: bool) -> None:
    """One handler on stderr at the root. Prefect's own set-up (on its first import) keeps a root
    handler it did not make; call ``reroute_library_loggers`` after it."""
    handler = AtelierLogHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(
            MaskedJsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
            )
        )
    else:
        handler.setFormatter(MaskedTextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, AtelierLogHandler):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # One line per HTTP request to Prefect's API at INFO: noise, not news.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    reroute_library_loggers()


def drop_other_root_handlers() -> None:
    """Ours alone at the root: in a deployment's run, Prefect configured its console handler first,
    and each line would come out twice (once unmasked)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if not isinstance(handler, AtelierLogHandler):
            root.removeHandler(handler)


def reroute_library_loggers() -> None:
    for name in _LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
