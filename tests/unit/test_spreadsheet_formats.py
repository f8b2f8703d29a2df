"""Spreadsheets in a format the product does not read are named as such, not as missing columns."""

from __future__ import annotations

import pytest

from atelier.errors import Refused
from atelier.sheets.spreadsheet import OLE2_MAGIC, read_sheet


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (OLE2_MAGIC + b"\x00" * 504, "volontaires.xls"),  # the old Excel, whatever its name
        (OLE2_MAGIC + b"\x00" * 504, "volontaires.csv"),
        (b"PK\x03\x04mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "quotas.ods"),
    ],
)
def test_an_old_excel_or_opendocument_file_is_refused_as_an_unsupported_format(
    data: bytes, name: str
) -> None:
    """One French line saying the format and what to do, instead of « colonne(s) manquante(s) »."""
    with pytest.raises(Refused) as refused:
        read_sheet(data, name=name)
    assert refused.value.message_fr == (
        f"le fichier {name} est dans un format non pris en charge : enregistrez-le au format Excel "
        "(.xlsx) ou CSV, puis déposez-le de nouveau"
    )


def test_a_csv_named_as_such_is_still_read() -> None:
    """The check looks at the file's first bytes and its extension: a CSV from Excel reads as before."""
    sheet = read_sheet("nom;email\nHélène;helene@exemple.fr\n".encode("cp1252"), name="vivier.csv")
    assert sheet.headers == ["nom", "email"] and sheet.rows == [(2, ["Hélène", "helene@exemple.fr"])]
