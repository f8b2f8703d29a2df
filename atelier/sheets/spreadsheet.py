"""Reading a table as French users export it: Excel or LibreOffice CSV in any usual encoding, or .xlsx.

Pure reading: bytes in, header and numbered rows out; nothing here knows about people.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from atelier.errors import Refused

XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line or row number in the file, cells)


def read_sheet(data: bytes, *, name: str) -> Sheet:
    """A CSV (UTF-8 with or without BOM, UTF-16, Windows-1252; ``sep=`` line) or an .xlsx workbook."""
    if data.startswith(XLSX_MAGIC) or name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, name=name)
    return _read_csv(decode_text(data))


def decode_text(data: bytes) -> str:
    """Text as Excel and LibreOffice write it in France, whatever their encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8")
    # Excel's "CSV (séparateur : point-virgule)" in France is Windows-1252; its five unassigned
    # bytes never appear in names, but Latin-1 reads them rather than fail.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _read_csv(text: str) -> Sheet:
    lines = text.splitlines(keepends=True)
    offset = 0
    delimiter: str | None = None
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        delimiter = lines[0].strip()[4]
        text, offset = "".join(lines[1:]), 1
    if delimiter is None:
        delimiter = ";"
        with contextlib.suppress(csv.Error):
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=";,\t").delimiter
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for cells in reader:
        if headers is None:
            headers = [c.strip() for c in cells]
            continue
        rows.append((reader.line_num + offset, cells))
    return Sheet(headers or [], rows)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _read_xlsx(data: bytes, *, name: str) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Refused(f"le fichier {name} n'est pas un classeur Excel lisible", "unreadable xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        headers: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if headers is None:
                if not any(c.strip() for c in cells):
                    continue
                headers = [c.strip() for c in cells]
                continue
            rows.append((number, cells))
    finally:
        workbook.close()
    return Sheet(headers or [], rows)
