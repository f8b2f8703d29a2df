from datetime import UTC, datetime, timedelta

from atelier.errors import Refused
from atelier.links import LinkSigner
from tests.helpers import refused

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def _signer(secret: str = "s3cret") -> LinkSigner:
    return LinkSigner(secret, base_url="https://atelier.example/", max_age=timedelta(days=21))


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_decision_link_round_trip() -> None:
    """A decision link carries its atelier, gate, round and person."""
    url = _signer().decision_url(atelier="a", gate="copil_1", round=2, person_id=7, now=NOW)
    assert url.startswith("https://atelier.example/decision/")
    claims = _signer().read(_token(url), purpose="decision", now=NOW + timedelta(days=3))
    assert (claims.atelier, claims.gate, claims.round, claims.person_id) == ("a", "copil_1", 2, 7)


def test_forged_link_is_refused() -> None:
    """A link signed with another key, or altered, is refused."""
    url = _signer("other").decision_url(atelier="a", gate="g", round=1, person_id=1, now=NOW)
    with refused("n'est pas valide", Refused):
        _signer().read(_token(url), purpose="decision", now=NOW)
    good = _token(_signer().decision_url(atelier="a", gate="g", round=1, person_id=1, now=NOW))
    with refused("n'est pas valide", Refused):
        _signer().read(good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1], purpose="decision", now=NOW)


def test_expired_link_is_refused() -> None:
    """Past its maximum age (time is an input), a link is refused as expired."""
    url = _signer().decision_url(atelier="a", gate="g", round=1, person_id=1, now=NOW)
    with refused("a expiré", Refused):
        _signer().read(_token(url), purpose="decision", now=NOW + timedelta(days=22))


def test_link_for_another_purpose_is_refused() -> None:
    """An answer link cannot be used as a decision link."""
    url = _signer().answer_url(atelier="a", person_id=1, answer="confirm", now=NOW)
    with refused("n'est pas valide", Refused):
        _signer().read(_token(url), purpose="decision", now=NOW)
