"""Signed, expiring links: COPIL decisions, invitation answers, workspace sign-in (single use), the
citizens' links to mark the answers, to stop the follow-up notices and to sit on the comité de suivi,
and the evaluation survey's."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from atelier.errors import Refused
from models import UsedLink

Purpose = Literal["decision", "answer", "signin", "follow_up", "marks", "evaluation", "committee"]
SALT = "atelier-links-v1"
# Our tokens are about 200 characters; anything far longer is not ours and is not parsed.
MAX_TOKEN_LENGTH = 1024


# How long a citizen's own link is read: the follow-up of an avis runs over years; the evaluation
# survey lasts a month or so, and its link outlives a delay.
FOLLOW_UP_LINK_AGE = timedelta(days=3 * 365)
EVALUATION_LINK_AGE = timedelta(days=120)


@dataclass(frozen=True)
class LinkClaims:
    purpose: Purpose
    atelier: str  # slug
    person_id: int
    nonce: str
    gate: str | None = None
    round: int | None = None
    answer: str | None = None
    # When the link expires (a timestamp), for links that must live as long as what they ask (a
    # decision, until its due date and a margin); without it, ``max_age`` after it was signed.
    until: int | None = None


class LinkExpired(Refused):
    """A genuine link past its age: its claims are known (and logged against its atelier)."""

    def __init__(self, claims: LinkClaims) -> None:
        super().__init__("ce lien a expiré : demandez-en un nouveau à l'équipe projet", "expired link")
        self.claims = claims


class LinkSigner:
    """Signs claims with the application's secret; time is passed in, never read."""

    def __init__(self, secret: str, *, base_url: str, max_age: timedelta) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self.base_url = base_url.rstrip("/")
        self.max_age = max_age

    def token(self, claims: LinkClaims, *, now: datetime) -> str:
        payload = {k: v for k, v in claims.__dict__.items() if v is not None}
        signer = self._serializer.make_signer(SALT)
        # itsdangerous stamps with its own clock: sign the payload with our clock instead.
        payload["iat"] = int(now.timestamp())
        return str(signer.sign(self._serializer.dump_payload(payload)).decode())

    def decision_url(
        self, *, atelier: str, gate: str, round: int, person_id: int, now: datetime,
        until: datetime | None = None,
    ) -> str:  # fmt: skip
        """A decision link, valid ``until`` when given (else ``max_age`` from ``now``)."""
        claims = LinkClaims(
            "decision", atelier, person_id, secrets.token_hex(16), gate=gate, round=round,
            until=int(until.timestamp()) if until is not None else None,
        )  # fmt: skip
        return f"{self.base_url}/decision/{self.token(claims, now=now)}"

    def answer_url(self, *, atelier: str, person_id: int, answer: str, now: datetime) -> str:
        claims = LinkClaims("answer", atelier, person_id, secrets.token_hex(16), answer=answer)
        return f"{self.base_url}/reponse/{self.token(claims, now=now)}"

    def follow_up_stop_url(self, *, atelier: str, person_id: int, now: datetime) -> str:
        claims = LinkClaims("follow_up", atelier, person_id, secrets.token_hex(16))
        return f"{self.base_url}/suivi/arret/{self.token(claims, now=now)}"

    def marks_url(self, *, atelier: str, person_id: int, now: datetime) -> str:
        claims = LinkClaims("marks", atelier, person_id, secrets.token_hex(16))
        return f"{self.base_url}/appreciation/{self.token(claims, now=now)}"

    def evaluation_url(self, *, atelier: str, person_id: int, now: datetime) -> str:
        claims = LinkClaims("evaluation", atelier, person_id, secrets.token_hex(16))
        return f"{self.base_url}/evaluation/{self.token(claims, now=now)}"

    def committee_url(self, *, atelier: str, person_id: int, now: datetime) -> str:
        claims = LinkClaims("committee", atelier, person_id, secrets.token_hex(16))
        return f"{self.base_url}/comite-de-suivi/{self.token(claims, now=now)}"

    def signin_url(self, *, person_id: int, now: datetime) -> str:
        claims = LinkClaims("signin", "", person_id, secrets.token_hex(16))
        return f"{self.base_url}/connexion/{self.token(claims, now=now)}"

    def expires_at(self, now: datetime) -> datetime:
        return now + self.max_age

    def read(
        self, token: str, *, purpose: Purpose, now: datetime, max_age: timedelta | None = None
    ) -> LinkClaims:
        """Check signature, purpose and age; raise Refused with a French message otherwise."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise Refused("ce lien n'est pas valide", "over-long token")
        signer = self._serializer.make_signer(SALT)
        try:
            payload = self._serializer.load_payload(signer.unsign(token))
        except (BadSignature, SignatureExpired, ValueError):
            raise Refused("ce lien n'est pas valide", "forged or corrupted link") from None
        if not isinstance(payload, dict) or payload.get("purpose") != purpose:
            raise Refused("ce lien n'est pas valide", "link for another purpose")
        issued = payload.pop("iat", None)
        claims = _valid_claims(payload)
        if not isinstance(issued, int) or now.timestamp() < issued - 300:
            raise Refused("ce lien n'est pas valide", "link issued in the future")
        if claims.until is not None:
            if now.timestamp() > claims.until:
                raise LinkExpired(claims)
        elif now.timestamp() - issued > (max_age or self.max_age).total_seconds():
            raise LinkExpired(claims)
        return claims


def _valid_claims(payload: dict[str, object]) -> LinkClaims:
    """Claims of the expected shape only: a genuine signature on odd claims is still refused."""
    try:
        claims = LinkClaims(**payload)  # type: ignore[arg-type]
    except TypeError:
        raise Refused("ce lien n'est pas valide", "malformed link claims") from None
    typed = (
        isinstance(claims.atelier, str)
        and isinstance(claims.person_id, int)
        and isinstance(claims.nonce, str)
        and len(claims.nonce) <= 64
        and (claims.until is None or isinstance(claims.until, int))
    )
    if claims.purpose == "decision":
        typed = typed and isinstance(claims.gate, str) and isinstance(claims.round, int)
    elif claims.purpose in ("signin", "follow_up", "marks", "evaluation", "committee"):
        typed = typed and claims.gate is None and claims.answer is None
    else:
        typed = typed and claims.answer in ("confirm", "decline")
    if not typed:
        raise Refused("ce lien n'est pas valide", f"unexpected {claims.purpose} link claims")
    return claims


def use_link_once(*, session: Session, claims: LinkClaims, now: datetime) -> None:
    """Record the link as used in the caller's transaction; a second use is refused."""
    if session.get(UsedLink, claims.nonce) is not None:
        raise Refused("ce lien a déjà été utilisé", "link reused")
    try:
        with session.begin_nested():
            session.add(UsedLink(nonce=claims.nonce, purpose=claims.purpose, used_at=now))
    except IntegrityError:
        raise Refused("ce lien a déjà été utilisé", "link reused (race)") from None
