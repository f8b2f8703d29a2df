"""Quotas from a file: as counts, or as the population's shares typed the way a French team types
them, each criterion's shares making 100 %."""

from __future__ import annotations

import pytest

from atelier.errors import Refused
from atelier.panel.criteria import read_targets
from atelier.panel.model import Quota
from atelier.sheets.spreadsheet import read_sheet
from tests.helpers import refused


def _targets(text: str, size: int = 15) -> list[Quota]:
    return read_targets(read_sheet(text.encode("cp1252"), name="quotas.csv"), size)


def test_shares_in_per_cent_give_each_value_its_rounded_count_widened_by_one() -> None:
    """52 % of 15 is 7.8: 6 to 9; « 48 % » with its space and « 48,0 » read alike."""
    quotas = _targets("category;feature;share\r\nGenre;Femme;52 %\r\nGenre;Homme;48,0\r\n")
    assert quotas == [Quota("Genre", "Femme", 6, 9), Quota("Genre", "Homme", 6, 9)]


def test_shares_as_fractions_with_a_decimal_comma_are_read_as_fractions() -> None:
    """« 0,25 » is a quarter: 25 % of 20 people is 5, so 4 to 6."""
    quotas = _targets("category;feature;part\r\nÂge;Jeunes;0,25\r\nÂge;Autres;0,75\r\n", size=20)
    assert quotas == [Quota("Âge", "Jeunes", 4, 6), Quota("Âge", "Autres", 14, 16)]


def test_counts_are_read_as_they_are_when_the_file_has_min_and_max() -> None:
    """A file in the Sortition Foundation's format keeps its counts."""
    assert _targets("category,feature,min,max\nGenre,Femme,7,8\n") == [Quota("Genre", "Femme", 7, 8)]


def test_french_headings_are_read_like_the_sortition_foundations() -> None:
    """« Critère ; Valeur ; Min ; Max » and « Critère ; Modalité ; Part » as a French team heads them."""
    assert _targets("Critère;Valeur;Minimum;Maximum\r\nGenre;Femme;7;8\r\n") == [
        Quota("Genre", "Femme", 7, 8)
    ]
    shares = _targets("Critère;Modalité;Part\r\nGenre;Femme;52 %\r\nGenre;Homme;48 %\r\n")
    assert shares == [Quota("Genre", "Femme", 6, 9), Quota("Genre", "Homme", 6, 9)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "category;feature;share\r\nGenre;Femme;52\r\nGenre;Homme;30\r\n",
            "les parts de « Genre » totalisent 82",
        ),
        (
            "category;feature;share\r\nGenre;Femme;beaucoup\r\n",
            "quotas, ligne 2 : « beaucoup » n'est pas une part",
        ),
        (
            "category;feature;share\r\nGenre;Femme;-5\r\n",
            "quotas, ligne 2 : une part ne peut pas être négative",
        ),
        ("category;feature\r\nGenre;Femme\r\n", "colonnes attendues critère, valeur, min, max"),
    ],
)
def test_shares_that_do_not_make_a_whole_are_refused_with_one_french_line(text: str, message: str) -> None:
    """Shares off by more than two points, a word, a negative share, or no counts nor shares."""
    with refused(message, Refused):
        _targets(text)
