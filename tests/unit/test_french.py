"""Names in French sentences: the commanditaire with its article, contractions and elision."""

import pytest

from atelier.french import count, of, sentence, to, with_article

MINISTERE = "Ministère chargé des Transports"


@pytest.mark.parametrize(
    ("name", "article", "de", "a"),
    [
        (MINISTERE, "le ministère chargé des Transports", "du ministère chargé des Transports",
         "au ministère chargé des Transports"),
        ("ADEME", "l'ADEME", "de l'ADEME", "à l'ADEME"),
        ("Direction générale de la santé", "la Direction générale de la santé",
         "de la Direction générale de la santé", "à la Direction générale de la santé"),
        ("Agence du numérique", "l'Agence du numérique", "de l'Agence du numérique",
         "à l'Agence du numérique"),
        ("les ministères sociaux", "les ministères sociaux", "des ministères sociaux",
         "aux ministères sociaux"),
        ("Secrétariat général à la mer", "le Secrétariat général à la mer", "du Secrétariat général à la mer",
         "au Secrétariat général à la mer"),
    ],
)  # fmt: skip
def test_commanditaire_takes_its_article_and_contractions(name: str, article: str, de: str, a: str) -> None:
    """« à la demande du ministère », « remis à l'ADEME », « la réponse de la direction »."""
    assert (with_article(name), of(name), to(name)) == (article, de, a)


def test_a_person_is_named_without_article_and_with_elision() -> None:
    """« Décision d'Olivier Renaud », « Décision de Claire Dumont »."""
    assert (with_article("Olivier Renaud"), of("Olivier Renaud")) == ("Olivier Renaud", "d'Olivier Renaud")
    assert of("Claire Dumont") == "de Claire Dumont"


def test_sentence_starts_with_a_capital_and_keeps_the_rest() -> None:
    """« le ministère … souhaite » opens a sentence as « Le ministère … »."""
    assert sentence("le ministère chargé des Transports") == "Le ministère chargé des Transports"


def test_counts_take_the_french_plural() -> None:
    """« 1 jour », « 0 message », « 3 jours », « -2 jours »."""
    assert (count(1, "jour"), count(0, "message"), count(3, "jour"), count(-2, "jour")) == (
        "1 jour",
        "0 message",
        "3 jours",
        "-2 jours",
    )


def test_counts_group_thousands_as_french_does() -> None:
    """« 1 500 volontaires », « 10 000 personnes », with a narrow no-break space, never « 1500 »."""
    assert (count(1500, "volontaire"), count(10_000, "personne"), count(999, "jour")) == (
        "1\u202f500 volontaires",
        "10\u202f000 personnes",
        "999 jours",
    )


def test_the_first_of_the_month_is_written_as_an_ordinal() -> None:
    """« lundi 1er mars 2027 », but « samedi 13 mars 2027 », in long dates and times (Paris)."""
    from datetime import UTC, date, datetime

    from atelier.i18n import long_date, long_datetime

    assert long_datetime(datetime(2027, 3, 1, 8, 0, tzinfo=UTC)) == "lundi 1er mars 2027 à 09h00"
    assert long_datetime(datetime(2027, 2, 28, 23, 30, tzinfo=UTC)) == "lundi 1er mars 2027 à 00h30"
    assert long_date(date(2027, 5, 1)) == "samedi 1er mai 2027"
    assert long_date(date(2027, 3, 13)) == "samedi 13 mars 2027"
