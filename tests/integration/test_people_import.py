"""`atelier person import` with files as Excel and LibreOffice write them in France, on real SQLite."""

from __future__ import annotations

import codecs
from pathlib import Path

from openpyxl import Workbook
from sqlmodel import Session, select

from models import Person
from tests.integration.cli_helpers import SLUG, counts, engine_of, run

FRENCH_ROWS = [
    ("Prénom", "Nom", "Adresse e-mail", "Rôle", "Téléphone"),
    ("Élodie", "Lefèvre", "elodie.lefevre@example.org", "Citoyenne", "06 12 34 56 78"),
    ("François", "Çelik", "francois.celik@example.org", "citoyen", ""),
]


def _names(data_dir: Path) -> list[str]:
    engine = engine_of(data_dir)
    with Session(engine) as session:
        names = sorted(session.exec(select(Person.full_name)).all())
    engine.dispose()
    return names


def _csv(rows: list[tuple[str, str, str, str, str]], separator: str = ";") -> str:
    return "".join(separator.join(row) + "\r\n" for row in rows)


def test_excel_csv_in_windows_1252_with_french_headers(data_dir: Path, tmp_path: Path) -> None:
    """Excel's « CSV (séparateur : point-virgule) »: cp1252, sep=, Prénom + Nom joined, extra column noted."""
    path = tmp_path / "excel.csv"
    path.write_bytes(("sep=;\r\n" + _csv(FRENCH_ROWS)).encode("cp1252"))
    code, out, err = run(data_dir, "person", "import", SLUG, str(path))
    assert code == 0, err
    assert "2 personnes importées" in out and "Colonnes ignorées : « Téléphone »." in out
    assert _names(data_dir) == ["François Çelik", "Élodie Lefèvre"]


def test_utf16_and_utf8_bom_exports(data_dir: Path, tmp_path: Path) -> None:
    """Excel's « Texte Unicode » (UTF-16, tabs) and a UTF-8 file with BOM read the same."""
    utf16 = tmp_path / "unicode.txt"
    utf16.write_bytes(codecs.BOM_UTF16_LE + _csv(FRENCH_ROWS[:2], "\t").encode("utf-16-le"))
    code, _out, err = run(data_dir, "person", "import", SLUG, str(utf16))
    assert code == 0, err
    bom = tmp_path / "bom.csv"
    bom.write_bytes(codecs.BOM_UTF8 + _csv([FRENCH_ROWS[0], FRENCH_ROWS[2]]).encode("utf-8"))
    code, _out, err = run(data_dir, "person", "import", SLUG, str(bom))
    assert code == 0, err
    assert _names(data_dir) == ["François Çelik", "Élodie Lefèvre"]


def test_xlsx_workbook_is_imported_directly(data_dir: Path, tmp_path: Path) -> None:
    """An .xlsx file from Excel: first sheet, header row, numbers as text."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in FRENCH_ROWS:
        sheet.append(list(row))
    path = tmp_path / "participants.xlsx"
    workbook.save(path)
    code, out, err = run(data_dir, "person", "import", SLUG, str(path))
    assert code == 0, err
    assert "2 personnes importées" in out
    assert _names(data_dir) == ["François Çelik", "Élodie Lefèvre"]


def test_bad_row_in_xlsx_names_its_row_and_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    """A bad address on row 3 of a workbook: the row is named, nobody is imported."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Nom", "Courriel", "Rôle"])
    sheet.append(["Ali Ben", "ali@example.org", "citoyen"])
    sheet.append(["Jo Roux", "pas-une-adresse", "citoyen"])
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    code, _out, err = run(data_dir, "person", "import", SLUG, str(path))
    assert code == 1 and "ligne 3 : e-mail : « pas-une-adresse »" in err
    assert counts(data_dir) == (1, 0, 0)


def test_name_with_a_line_break_is_cleaned_at_the_edge(data_dir: Path, tmp_path: Path) -> None:
    """A quoted cell with a line break, or --name with one, is stored on one line."""
    path = tmp_path / "multiline.csv"
    path.write_text('nom;email;role\n"Anne\nMarie  Dupont";anne@example.org;citoyen\n', encoding="utf-8")
    code, _out, err = run(data_dir, "person", "import", SLUG, str(path))
    assert code == 0, err
    code, _out, err = run(
        data_dir,
        "person",
        "add",
        SLUG,
        "--name",
        "Paul\r\nMartin",
        "--email",
        "p@example.org",
        "--role",
        "expert",
    )
    assert code == 0, err
    assert _names(data_dir) == ["Anne Marie Dupont", "Paul Martin"]


def test_not_a_workbook_is_refused_in_french(data_dir: Path, tmp_path: Path) -> None:
    """A file named .xlsx that is not one gets one French line."""
    path = tmp_path / "faux.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    code, _out, err = run(data_dir, "person", "import", SLUG, str(path))
    assert code == 1 and err == "Erreur : le fichier faux.xlsx n'est pas un classeur Excel lisible\n"
