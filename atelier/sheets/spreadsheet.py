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
# Formats people may pick by mistake: the old Excel (.xls, an OLE2 compound file) and OpenDocument.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UNSUPPORTED = (".xls", ".ods", ".numbers")
# What a sheet may hold, whatever it declares: a pool of volunteers is the largest the product reads
# (tens of thousands of lines, a few dozen columns). Cells past the last column are not read.
MAX_ROWS = 100_000
MAX_COLUMNS = 200
# A workbook is a zip: what it may unpack to, so that a small file cannot unfold into gigabytes.
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line or row number in the file, cells)


def read_sheet(data: bytes, *, name: str) -> Sheet:
    """A CSV (UTF-8 with or without BOM, UTF-16, Windows-1252; ``sep=`` line) or an .xlsx workbook."""
    if data.startswith(OLE2_MAGIC) or name.lower().endswith(UNSUPPORTED):
        raise Refused(
            f"le fichier {name} est dans un format non pris en charge : enregistrez-le au format Excel "
            "(.xlsx) ou CSV, puis déposez-le de nouveau",
            "unsupported spreadsheet format",
        )
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
            headers = [c.strip() for c in cells[:MAX_COLUMNS]]
            continue
        if len(rows) == MAX_ROWS:
            raise _too_many_rows()
        rows.append((reader.line_num + offset, cells[:MAX_COLUMNS]))
    return Sheet(headers or [], rows)


def _too_many_rows() -> Refused:
    return Refused(
        f"le fichier compte plus de {MAX_ROWS:,} lignes : découpez-le".replace(",", "\u202f"),
        "sheet over the row limit",
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _without_trailing_blanks(cells: list[str]) -> list[str]:
    """A row as wide as its last filled cell."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _read_xlsx(data: bytes, *, name: str) -> Sheet:
    from openpyxl import load_workbook

    unreadable = Refused(f"le fichier {name} n'est pas un classeur Excel lisible", "unreadable xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise Refused(f"le classeur {name} est trop volumineux une fois ouvert", "xlsx unpacks too large")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0]
        # The size the file declares (<dimension>) is not trusted: openpyxl would pad every row to
        # it, and a 1.5 KB file may declare sixty million cells. Each row is as wide as its last cell.
        sheet.reset_dimensions()
        headers: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:  # the header and MAX_ROWS lines, blank ones included
                raise _too_many_rows()
            if values.count(None) == len(values):
                continue  # a blank row (a file may place one far below the others)
            cells = _without_trailing_blanks([_cell_text(v) for v in values[:MAX_COLUMNS]])
            if headers is None:
                headers = [c.strip() for c in cells]
            elif cells:
                rows.append((number, cells + [""] * (len(headers) - len(cells))))
    finally:
        workbook.close()
    return Sheet(headers or [], rows)
