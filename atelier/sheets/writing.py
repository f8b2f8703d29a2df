"""Cells the product writes into CSV and .xlsx files, made inert for spreadsheets (OWASP, « CSV
injection »): a name, a comment or an id typed by someone else never becomes a live formula in
the team's Excel or in the open data.

CSV: a text cell that starts with « = », « + », « - », « @ », a tab or a carriage return is
prefixed with « ' », which spreadsheets show as text. .xlsx: every text cell is stored as text,
never as a formula, so « -Marie » or « =HYPERLINK(…) » read exactly as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """The value as a CSV cell no spreadsheet will evaluate (numbers are left as numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(
    rows: Iterable[Sequence[Any]], *, delimiter: str = ";", lineterminator: str = "\r\n", bom: bool = True
) -> str:
    """Rows as CSV, every cell inert; « ; » and a BOM by default, as Excel in France expects."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerows([inert(cell) for cell in row] for row in rows)
    return ("\ufeff" if bom else "") + text.getvalue()


def xlsx_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as a one-sheet workbook; text is stored as text, never as a formula."""
    book = Workbook()
    sheet = book.active
    if sheet is None:
        raise RuntimeError("a new workbook has a sheet")
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would store « =… » as a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
