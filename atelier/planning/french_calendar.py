"""The venue's calendar: public holidays (with Alsace-Moselle's and overseas' own) and school
holidays of its zone, both from the ``holidays`` library; this module only says which
subdivision of that library applies to a département."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from holidays import country_holidays
from holidays.constants import PUBLIC, SCHOOL

# Académies by school zone (arrêté on the school calendar), as the départements they cover.
# The ``holidays`` library knows the zones' dates but not which département is in which zone.
_SCHOOL_ZONE_DEPARTEMENTS: dict[str, str] = {
    # Besançon, Bordeaux, Clermont-Ferrand, Dijon, Grenoble, Limoges, Lyon, Poitiers.
    "A": "25 39 70 90 24 33 40 47 64 03 15 43 63 21 58 71 89 07 26 38 73 74 19 23 87 01 42 69 16 17 79 86",
    # Aix-Marseille, Amiens, Lille, Nancy-Metz, Nantes, Nice, Normandie, Orléans-Tours, Reims,
    # Rennes, Strasbourg.
    "B": "04 05 13 84 02 60 80 59 62 54 55 57 88 44 49 53 72 85 06 83 14 27 50 61 76 "
    "18 28 36 37 41 45 08 10 51 52 22 29 35 56 67 68",
    # Créteil, Montpellier, Paris, Toulouse, Versailles.
    "C": "77 93 94 11 30 34 48 66 75 09 12 31 32 46 65 81 82 78 91 92 95",
}
SCHOOL_ZONE_OF: dict[str, str] = {
    dep: zone for zone, deps in _SCHOOL_ZONE_DEPARTEMENTS.items() for dep in deps.split()
}
# Where the library has its own public holidays (Alsace-Moselle's Good Friday and 26 December,
# overseas' abolition days); elsewhere the national list applies.
_PUBLIC_SUBDIVISION_OF = {"57": "57", "67": "6AE", "68": "6AE", "971": "971", "972": "972",
                          "973": "973", "974": "974", "976": "976"}  # fmt: skip
# Places whose school calendar the library does not have: the plan says it was not checked.
_OWN_SCHOOL_CALENDAR = {"2A": "de la Corse", "2B": "de la Corse", "971": "de la Guadeloupe",
                        "972": "de la Martinique", "973": "de la Guyane", "974": "de La Réunion",
                        "976": "de Mayotte"}  # fmt: skip
DEPARTEMENTS = frozenset(SCHOOL_ZONE_OF) | frozenset(_OWN_SCHOOL_CALENDAR)
DEPARTEMENT_HINT = "01 à 95, 2A, 2B, 971 à 974 ou 976"
# Beyond this many weeks, a school break is not a break to wait out (the summer is nine weeks).
SCHOOL_HOLIDAY_SEARCH_WEEKS = 10


def normalise_departement(text: str) -> str | None:
    """'1' → '01', '2a' → '2A'; None when the code is not a département of France."""
    code = re.sub(r"\s+", "", text).upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    return code if code in DEPARTEMENTS else None


@lru_cache(maxsize=256)
def _library_days(subdivision: str | None, category: str, year: int) -> dict[date, str]:
    found = country_holidays("FR", subdiv=subdivision, years=year, categories=(category,), language="fr")
    return dict(found.items())


@dataclass(frozen=True)
class VenueCalendar:
    """Days off where the atelier meets: ``departement`` None means not known yet."""

    departement: str | None = None

    @property
    def school_zone(self) -> str | None:
        return SCHOOL_ZONE_OF.get(self.departement or "")

    @property
    def school_calendar_gap(self) -> str | None:
        """Why school holidays cannot be checked here, or None when they can."""
        if self.departement is None:
            return "département du lieu non renseigné"
        if self.school_zone is None:
            return f"calendrier scolaire {_OWN_SCHOOL_CALENDAR[self.departement]} non connu"
        return None

    def public_holiday(self, day: date) -> str | None:
        subdivision = _PUBLIC_SUBDIVISION_OF.get(self.departement or "")
        return _library_days(subdivision, PUBLIC, day.year).get(day)

    def school_holiday(self, day: date) -> str | None:
        """The name of the school break on ``day`` in the venue's zone (None if none or unknown)."""
        if self.school_zone is None:
            return None
        name = _library_days(f"Zone {self.school_zone}", SCHOOL, day.year).get(day)
        # On a day that is also a public holiday the library joins both names with "; ".
        return name.split("; ")[-1] if name else None

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.public_holiday(day) is None

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def holidays_near_weekend(self, saturday: date) -> list[tuple[date, str]]:
        """Public holidays from Friday to Monday: citizens are away on long weekends, so an
        in-person weekend next to a holiday is avoided, not only one that contains it."""
        if saturday.weekday() != 5:
            raise ValueError("holidays_near_weekend expects a Saturday")
        days = (saturday + timedelta(days=d) for d in (-1, 0, 1, 2))
        return [(d, name) for d in days if (name := self.public_holiday(d)) is not None]

    def school_break_on_weekend(self, saturday: date) -> str | None:
        return self.school_holiday(saturday) or self.school_holiday(saturday + timedelta(days=1))

    def next_weekend_without_holiday(self, saturday: date) -> date:
        while self.holidays_near_weekend(saturday):
            saturday += timedelta(days=7)
        return saturday

    def next_weekend_out_of_school(self, saturday: date) -> date | None:
        """The first weekend with neither a public holiday nor school break, within reach."""
        for week in range(SCHOOL_HOLIDAY_SEARCH_WEEKS + 1):
            candidate = self.next_weekend_without_holiday(saturday + timedelta(days=7 * week))
            if self.school_break_on_weekend(candidate) is None:
                return candidate
        return None

    @property
    def zone_label(self) -> str:
        return f"zone {self.school_zone}" if self.school_zone else "zone inconnue"
