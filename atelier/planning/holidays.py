"""French public holidays (metropolitan France), computed, and the calendar rules built on them."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Gregorian Easter (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def french_public_holidays(year: int) -> dict[date, str]:
    """The eleven jours fériés of metropolitan France (Alsace-Moselle extras excluded)."""
    easter = easter_sunday(year)
    return {
        date(year, 1, 1): "Jour de l'an",
        easter + timedelta(days=1): "Lundi de Pâques",
        date(year, 5, 1): "Fête du Travail",
        date(year, 5, 8): "Victoire 1945",
        easter + timedelta(days=39): "Ascension",
        easter + timedelta(days=50): "Lundi de Pentecôte",
        date(year, 7, 14): "Fête nationale",
        date(year, 8, 15): "Assomption",
        date(year, 11, 1): "Toussaint",
        date(year, 11, 11): "Armistice 1918",
        date(year, 12, 25): "Noël",
    }


def is_public_holiday(day: date) -> bool:
    return day in french_public_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


def next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def weekend_is_free(saturday: date) -> bool:
    """A weekend is usable when no public holiday touches it (Friday to Monday).

    Citizens are away on long weekends (Easter, Pentecost, 1 and 8 May bridges), so an
    in-person weekend next to a public holiday is avoided, not only one that contains it.
    """
    if saturday.weekday() != 5:
        raise ValueError("weekend_is_free expects a Saturday")
    return not any(is_public_holiday(saturday + timedelta(days=d)) for d in (-1, 0, 1, 2))


def next_free_saturday(day: date) -> date:
    """The first Saturday on or after ``day`` whose weekend is free."""
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    while not weekend_is_free(saturday):
        saturday += timedelta(days=7)
    return saturday
