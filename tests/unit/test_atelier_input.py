"""What a team gives to open an atelier is checked before anything is written."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from atelier.errors import french_field_errors
from atelier.services.ateliers import AtelierCreate

BASE = {"title": "Atelier", "commanditaire": "Ministère", "question": "Quoi ?", "decision_date": "2027-01-11"}


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", "data:text/html,<b>x</b>", "visio.exemple.fr", "https://a b.fr"]
)
def test_an_online_meeting_address_that_is_not_a_web_address_is_refused(address: str) -> None:
    """The meeting address becomes a link in every invitation: only http(s), said in French."""
    with pytest.raises(ValidationError) as refused:
        AtelierCreate.model_validate({**BASE, "online_meeting_url": address})
    assert "n'est pas une adresse web" in " ".join(french_field_errors(refused.value).values())


def test_a_web_address_is_kept_as_typed() -> None:
    """An https address, spaces around it removed; none at all is none."""
    kept = AtelierCreate.model_validate({**BASE, "online_meeting_url": " https://visio.exemple.gouv.fr/a "})
    assert kept.online_meeting_url == "https://visio.exemple.gouv.fr/a"
    assert AtelierCreate.model_validate({**BASE, "online_meeting_url": ""}).online_meeting_url is None
