"""French grammar for names written into sentences: articles, « de le » → « du », elision.

Pure functions, used as Jinja filters by the message templates and by the command line.
"""

from __future__ import annotations

import unicodedata

# Institutions named without their article, and the article French gives them.
_MASCULINE = (
    "ministère", "secrétariat", "conseil", "centre", "commissariat", "haut-commissariat", "service",
    "office", "comité", "département", "cabinet", "observatoire", "gouvernement", "institut",
    "établissement",
)  # fmt: skip
_FEMININE = (
    "direction", "délégation", "agence", "autorité", "haute autorité", "commission", "préfecture",
    "région", "caisse", "inspection", "mission", "cour", "assemblée", "mairie", "métropole",
)  # fmt: skip


def _starts_with_vowel_sound(word: str) -> bool:
    plain = unicodedata.normalize("NFKD", word[:1]).encode("ascii", "ignore").decode().lower()
    return plain in ("a", "e", "i", "o", "u", "y", "h")


def with_article(name: str) -> str:
    """« Ministère chargé des Transports » → « le ministère chargé des Transports »; « ADEME » →
    « l'ADEME »; a name already with its article is kept (its article in lower case)."""
    name = " ".join(name.split())
    lower = name.lower()
    for article in ("le ", "la ", "les ", "l'", "l’"):
        if lower.startswith(article):
            return article.replace("’", "'") + name[len(article) :]
    first = lower.split(" ")[0]
    if first == "ministère":
        return "le ministère" + name[len("ministère") :]
    if first in _MASCULINE or any(lower.startswith(w + " ") for w in _MASCULINE):
        return ("l'" if _starts_with_vowel_sound(name) else "le ") + name
    if first in _FEMININE or any(lower.startswith(w + " ") for w in _FEMININE):
        return ("l'" if _starts_with_vowel_sound(name) else "la ") + name
    acronym = name.split(" ")[0]
    if len(acronym) > 1 and acronym.isupper() and _starts_with_vowel_sound(acronym):
        return "l'" + name  # « l'ADEME »; « le CNRS » or « la DGS » is typed with its article
    return name  # a person or a proper name without article (« Olivier Renaud », « Matignon »)


def _contract(preposition: str, name: str) -> str:
    phrase = with_article(name)
    if phrase.startswith("le "):
        return ("du " if preposition == "de" else "au ") + phrase[3:]
    if phrase.startswith("les "):
        return ("des " if preposition == "de" else "aux ") + phrase[4:]
    if preposition == "de" and _starts_with_vowel_sound(phrase) and not phrase.startswith("l'"):
        return "d'" + phrase
    return f"{preposition} {phrase}"


def of(name: str) -> str:
    """« de » + the name: « du ministère… », « de l'ADEME », « de la direction… », « d'Olivier »."""
    return _contract("de", name)


def to(name: str) -> str:
    """« à » + the name: « au ministère… », « à l'ADEME », « à la direction… »."""
    return _contract("à", name)


def sentence(text: str) -> str:
    """The first letter in upper case, the rest as it is (Jinja's capitalize lowers the rest)."""
    return text[:1].upper() + text[1:]


def count(number: int, singular: str, plural: str | None = None) -> str:
    """« 1 jour », « 3 jours », « 0 message », « 1 500 volontaires »: French takes the singular
    below two, and groups thousands with a narrow no-break space."""
    return f"{number:,}".replace(",", "\u202f") + f" {agreed(number, singular, plural)}"


def agreed(number: int, singular: str, plural: str | None = None) -> str:
    """The words alone, agreed with ``number``: « colonne manquante », « colonnes manquantes »."""
    return singular if abs(number) < 2 else (plural or singular + "s")


def decimal_number(text: str) -> float:
    """« 52 % », « 0,52 », « 1 234,5 » as typed in France (spaces, no-break spaces, a decimal comma,
    a trailing %) → the number as written; ValueError when it is not one."""
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").rstrip("%").replace(",", ".")
    return float(cleaned)
