from datetime import date

from atelier.planning.holidays import (
    easter_sunday,
    french_public_holidays,
    next_free_saturday,
    weekend_is_free,
)


def test_easter_dates_match_the_calendar() -> None:
    """Easter Sunday is computed right for known years."""
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2027) == date(2027, 3, 28)
    assert easter_sunday(2038) == date(2038, 4, 25)


def test_eleven_french_public_holidays() -> None:
    """Metropolitan France has eleven jours fériés, movable ones included."""
    holidays = french_public_holidays(2027)
    assert len(holidays) == 11
    assert holidays[date(2027, 3, 29)] == "Lundi de Pâques"
    assert holidays[date(2027, 5, 6)] == "Ascension"
    assert holidays[date(2027, 5, 17)] == "Lundi de Pentecôte"


def test_weekend_next_to_a_holiday_is_not_free() -> None:
    """Saturday 1 May, Easter and Pentecost weekends are avoided; an ordinary one is not."""
    assert not weekend_is_free(date(2027, 5, 1))
    assert not weekend_is_free(date(2027, 3, 27))  # Easter Monday follows
    assert not weekend_is_free(date(2027, 5, 15))  # Whit Monday follows
    assert weekend_is_free(date(2027, 4, 24))
    assert next_free_saturday(date(2027, 4, 28)) == date(2027, 5, 22)
