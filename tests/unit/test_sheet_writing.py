"""Every CSV and .xlsx the product writes keeps text as text: no cell becomes a live formula."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from atelier.sheets.writing import csv_text, inert, xlsx_bytes

DANGEROUS = ['=HYPERLINK("https://exemple.invalid","clic")', "+33 6 12", "-Marie", "@SUM(A1)", "\tx", "\rx"]


def test_csv_cells_that_a_spreadsheet_would_evaluate_start_with_a_quote() -> None:
    """« = », « + », « - », « @ », tab and carriage return open a formula: those cells get « ' »."""
    assert [inert(value) for value in DANGEROUS] == ["'" + value for value in DANGEROUS]
    assert [inert(value) for value in ("Marie-Anne", "Élodie", "", 3, -2.5, None)] == [
        "Marie-Anne", "Élodie", "", 3, -2.5, None,
    ]  # fmt: skip


def test_csv_text_reads_back_with_the_quote_and_nothing_else_changed() -> None:
    """Excel's French CSV (BOM, « ; »): « =1+1 » reads back as « '=1+1 », its neighbours as typed."""
    text = csv_text([["Nom", "Commentaire"], ["Marie-Anne", "=1+1"], ["-Marie", "ok; avec « ; »"]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows == [["Nom", "Commentaire"], ["Marie-Anne", "'=1+1"], ["'-Marie", "ok; avec « ; »"]]


def test_xlsx_keeps_every_text_as_typed_and_no_formula() -> None:
    """In the workbook « -Marie » and « =HYPERLINK(…) » are plain text cells, exactly as typed."""
    typed = DANGEROUS[:-1]  # XML keeps no carriage return: « \r » would read back as « \n »
    book = load_workbook(io.BytesIO(xlsx_bytes([["Nom", "Nombre"], *([value, 1] for value in typed)])))
    sheet = book.active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == typed


@given(st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=4), max_size=5))
def test_no_csv_cell_ever_starts_a_formula(rows: list[list[str]]) -> None:
    """Whatever the text, no cell of the CSV starts with a character that opens a formula."""
    text = csv_text(rows, bom=False)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
        assert not [cell for cell in row if cell[:1] in ("=", "+", "-", "@", "\t")]
