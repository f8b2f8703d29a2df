"""Choosing a replacement for a drop-out (pure): the reserve list first, then a new lottery."""

from __future__ import annotations

import pytest

from atelier.panel.lottery import Infeasible
from atelier.panel.model import Pool, Quota
from atelier.panel.replace import reserve_for, resolve

CATEGORIES = ("genre", "âge")
QUOTAS = [
    Quota("genre", "F", 2, 2),
    Quota("genre", "H", 2, 2),
    Quota("âge", "jeune", 1, 3),
    Quota("âge", "âgé", 1, 3),
]
OTHERS = [("F", "jeune"), ("H", "jeune"), ("H", "âgé")]  # the panel without the drop-out
DROPPED = ("F", "âgé")


def test_a_reserve_of_the_same_profile_comes_before_an_earlier_one_of_another() -> None:
    """The second reserve has the drop-out's profile: chosen over the first, which also fits."""
    reserves = [("R1", ("F", "jeune")), ("R2", ("F", "âgé"))]
    assert reserve_for(QUOTAS, CATEGORIES, OTHERS, DROPPED, reserves) == "R2"


def test_another_profile_is_taken_only_when_the_quotas_still_hold() -> None:
    """A man would break the genre quota; a young woman keeps every quota and is chosen."""
    assert reserve_for(QUOTAS, CATEGORIES, OTHERS, DROPPED, [("R1", ("H", "âgé"))]) is None
    assert (
        reserve_for(QUOTAS, CATEGORIES, OTHERS, DROPPED, [("R1", ("H", "âgé")), ("R2", ("F", "jeune"))])
        == "R2"
    )


def test_the_new_lottery_picks_only_people_who_keep_the_quotas_and_is_reproducible() -> None:
    """With the rest of the panel fixed, only women can complete it; the same seed gives the same one."""
    pool = Pool(
        ("A", "B", "C", "D"), CATEGORIES, (("H", "jeune"), ("F", "jeune"), ("H", "âgé"), ("F", "âgé"))
    )
    first = resolve(QUOTAS, pool, OTHERS, 1, "graine:remplacement:1")
    assert first.chosen[0] in {"B", "D"}
    assert resolve(QUOTAS, pool, OTHERS, 1, "graine:remplacement:1").chosen == first.chosen
    assert {resolve(QUOTAS, pool, OTHERS, 1, f"g{n}").chosen[0] for n in range(20)} == {"B", "D"}


def test_no_one_left_who_keeps_the_quotas_is_infeasible() -> None:
    """Only men left in the pool: no replacement keeps the genre quota."""
    pool = Pool(("A", "C"), CATEGORIES, (("H", "jeune"), ("H", "âgé")))
    with pytest.raises(Infeasible):
        resolve(QUOTAS, pool, OTHERS, 1, "graine")
