"""Dates, times and percentages as French users read them (dates in Europe/Paris)."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_percent

from atelier.clock import PARIS, ensure_utc

LOCALE = "fr_FR"


def _day_pattern(day: int) -> str:
    # French writes the first of the month as an ordinal: « lundi 1er mars ».
    return "EEEE d'er' MMMM y" if day == 1 else "EEEE d MMMM y"


def long_datetime(value: datetime) -> str:
    """« samedi 13 mars 2027 à 10h00 », « lundi 1er mars 2027 à 09h00 »"""
    local = ensure_utc(value).astimezone(PARIS)
    pattern = _day_pattern(local.day) + " 'à' HH'h'mm"
    return str(format_datetime(local, pattern, tzinfo=PARIS, locale=LOCALE))


def long_date(value: date | datetime) -> str:
    """« samedi 13 mars 2027 », « lundi 1er mars 2027 »"""
    if isinstance(value, datetime):
        value = ensure_utc(value).astimezone(PARIS).date()
    return str(format_date(value, _day_pattern(value.day), locale=LOCALE))


def short_datetime(value: datetime) -> str:
    """« sam. 13/03/2027 10h00 »"""
    return str(format_datetime(ensure_utc(value), "EEE dd/MM/y HH'h'mm", tzinfo=PARIS, locale=LOCALE))


def short_date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = ensure_utc(value).astimezone(PARIS).date()
    return value.strftime("%d/%m/%Y")


def hour(value: datetime) -> str:
    return str(format_datetime(ensure_utc(value), "HH'h'mm", tzinfo=PARIS, locale=LOCALE))


def percent(value: float, decimals: int = 0) -> str:
    """« 87 % », « 4,21 % » (0.0421 with two decimals)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "\u00a0%"  # a no-break space
    return str(format_percent(value, pattern, locale=LOCALE))
