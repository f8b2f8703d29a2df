"""What a link does, shared by the web page and the demo's simulated members (same path)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.links import LinkClaims, LinkExpired, use_link_once
from atelier.services.ateliers import get_atelier
from atelier.services.events import person_actor, record_event
from atelier.services.gates import DecisionResult, decide, get_gate
from models import Atelier, Gate, InvitationAnswer, Person, UsedLink
from models.enums import Answer, DecisionChannel, DecisionOutcome, GateStatus
from models.types import pk

log = logging.getLogger("atelier.links")


@dataclass(frozen=True)
class DecisionPage:
    atelier_title: str
    commanditaire: str
    gate_name: str
    decides: str
    due_at: datetime
    member_name: str
    round: int


def _refuse_and_log(runtime: Runtime, error: Refused, *, now: datetime, claims: LinkClaims | None) -> None:
    log.warning("link refused: %s", error)
    with transaction(runtime.engine) as session:
        atelier = (
            session.exec(select(Atelier).where(Atelier.slug == claims.atelier)).first() if claims else None
        )
        record_event(
            session=session,
            atelier_id=atelier.id if atelier else None,
            actor=person_actor(claims.person_id) if claims else "anonymous",
            kind="link_refused",
            at=now,
            reason=str(error),
            purpose=claims.purpose if claims else None,
        )


@dataclass
class _Seen:
    claims: LinkClaims | None = None


@contextmanager
def _refusals_logged(runtime: Runtime, now: datetime) -> Iterator[_Seen]:
    """Log every refused link in the event log (against its atelier when known), then re-raise."""
    seen = _Seen()
    try:
        yield seen
    except Refused as error:
        claims = error.claims if isinstance(error, LinkExpired) else seen.claims
        _refuse_and_log(runtime, error, now=now, claims=claims)
        raise


def _gate_for(session: Session, claims: LinkClaims) -> tuple[Atelier, Gate, Person]:
    atelier = get_atelier(session=session, slug=claims.atelier)
    gate = get_gate(session=session, atelier=atelier, key=claims.gate or "")
    person = session.get(Person, claims.person_id)
    if person is None:
        raise Refused("ce lien n'est pas valide", "link for an unknown person")
    if gate.status is GateStatus.OPEN and gate.round != claims.round:
        raise Refused(
            "ce lien concerne une version précédente : utilisez le lien du dernier message reçu",
            f"link for round {claims.round}, gate at round {gate.round}",
        )
    return atelier, gate, person


def decision_page(runtime: Runtime, token: str, *, now: datetime) -> DecisionPage:
    with _refusals_logged(runtime, now) as seen:
        seen.claims = claims = runtime.signer.read(token, purpose="decision", now=now)
        with transaction(runtime.engine) as session:
            atelier, gate, person = _gate_for(session, claims)
            if session.get(UsedLink, claims.nonce) is not None:
                raise Refused("ce lien a déjà été utilisé", "link reused (page)")
            return DecisionPage(
                atelier.title,
                atelier.commanditaire,
                gate.name,
                gate.decides,
                gate.due_at,
                person.full_name,
                gate.round,
            )


def decide_via_link(
    runtime: Runtime, token: str, *, outcome: DecisionOutcome, comment: str | None, now: datetime
) -> tuple[str, DecisionResult]:
    """Record the decision behind a link; the link is spent in the same transaction."""
    with _refusals_logged(runtime, now) as seen:
        seen.claims = claims = runtime.signer.read(token, purpose="decision", now=now)
        with transaction(runtime.engine) as session:
            atelier, gate, person = _gate_for(session, claims)
            use_link_once(session=session, claims=claims, now=now)
            result = decide(
                session=session,
                atelier=atelier,
                gate_key=gate.key,
                person=person,
                outcome=outcome,
                comment=comment,
                channel=DecisionChannel.LINK,
                now=now,
            )
            return atelier.slug, result


def answer_via_link(runtime: Runtime, token: str, *, now: datetime) -> tuple[str, Answer]:
    """Record a citizen's answer to the invitation (the latest answer counts)."""
    with _refusals_logged(runtime, now) as seen:
        seen.claims = claims = runtime.signer.read(token, purpose="answer", now=now)
        answer = Answer(claims.answer or "")
        with transaction(runtime.engine) as session:
            atelier = get_atelier(session=session, slug=claims.atelier)
            if session.get(Person, claims.person_id) is None:
                raise Refused("ce lien n'est pas valide", "answer link for an unknown person")
            use_link_once(session=session, claims=claims, now=now)
            record_answer(
                session=session,
                atelier=atelier,
                person_id=claims.person_id,
                answer=answer,
                channel=DecisionChannel.LINK,
                now=now,
            )
            return atelier.slug, answer


def record_answer(
    *,
    session: Session,
    atelier: Atelier,
    person_id: int,
    answer: Answer,
    channel: DecisionChannel,
    now: datetime,
) -> None:
    existing = session.exec(
        select(InvitationAnswer).where(
            InvitationAnswer.atelier_id == pk(atelier), InvitationAnswer.person_id == person_id
        )
    ).first()
    if existing is None:
        existing = InvitationAnswer(
            atelier_id=pk(atelier), person_id=person_id, answer=answer, channel=channel, answered_at=now
        )
    else:
        existing.answer, existing.channel, existing.answered_at = answer, channel, now
    session.add(existing)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=person_actor(person_id),
        kind="invitation_answer",
        at=now,
        answer=answer.value,
        channel=channel.value,
    )
