"""What a link shows and does, shared by the web page and the demo's simulated people (same path).

Reading a page never writes (mail scanners open every link); only the actions below, behind a
POST, record something, in one transaction that a refusal rolls back whole.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from atelier.avis.sheets import STATUS_LABELS
from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import AtelierError, NotFound, Refused
from atelier.links import LinkClaims, LinkExpired, Purpose, use_link_once
from atelier.planning.template import template_of
from atelier.services.ateliers import get_atelier
from atelier.services.avis import (
    answer_gate_of,
    current_answers,
    current_avis,
    incomplete_answers,
    proposals_of,
)
from atelier.services.documents import documents_of
from atelier.services.events import person_actor, record_event
from atelier.services.gates import DecisionResult, decide, gate_members, get_gate
from atelier.services.panel_composition import CompositionRow, composition
from atelier.services.replacements import PanelSummary, panel_summary
from models import Atelier, Event, Gate, GateDocument, InvitationAnswer, Person, UsedLink
from models.enums import Answer, DecisionChannel, DecisionOutcome, GateStatus
from models.types import pk

log = logging.getLogger("atelier.links")

COMMENT_MAX_LENGTH = 4000


class BadInput(Refused):
    """The form itself is wrong (missing choice, comment too long): the link stays usable."""


@dataclass(frozen=True)
class DecisionPage:
    atelier_title: str
    commanditaire: str
    gate_name: str
    decides: str
    due_at: datetime
    member_name: str
    round: int
    status: GateStatus
    closed_at: datetime | None
    revision_note: str | None = None
    documents: tuple[tuple[int, str], ...] = ()  # (id, file name) of this round's documents
    # For the gate that approves the sample: each quota beside the pool's count.
    quotas: tuple[CompositionRow, ...] = ()
    # For the gate that validates the panel: its composition, its answers and every replacement.
    panel: PanelSummary | None = None
    # For the gate that approves the commanditaire's answer: each proposal and its answer so far.
    answers: AnswersDecided | None = None


@dataclass(frozen=True)
class AnswersDecided:
    rows: tuple[tuple[int, str, str, str], ...]  # number, proposal, status, reason and carrier
    missing: str | None  # why it cannot be approved yet


@dataclass(frozen=True)
class AnswerPage:
    atelier_title: str
    commanditaire: str
    person_name: str
    answer: Answer
    current: Answer | None


def log_refusal(
    runtime: Runtime, error: AtelierError, *, now: datetime, claims: LinkClaims | None = None
) -> None:
    """Write a refused link in the event log (against its atelier when known); no personal data.

    A genuine link refused (expired, used, another round) is one event each: real recipients make
    them. A forged or unreadable one is anyone's traffic: it adds to one event per day and reason,
    so that no amount of it grows the database."""
    log.warning("link refused: %s", error)
    reason = error.message_fr[:200]  # French: the team reads it in the journal
    with transaction(runtime.engine) as session:
        atelier = (
            session.exec(select(Atelier).where(Atelier.slug == claims.atelier)).first() if claims else None
        )
        if claims is None and _counted(session, reason=reason, now=now):
            return
        record_event(
            session=session,
            atelier_id=atelier.id if atelier else None,
            actor=person_actor(claims.person_id) if claims and atelier else "anonymous",
            kind="link_refused",
            at=now,
            reason=reason,
            purpose=claims.purpose if claims else None,
            **({"day": now.date().isoformat(), "count": 1} if claims is None else {}),
        )


def _counted(session: Session, *, reason: str, now: datetime) -> bool:
    """Add one to today's count of anonymous refusals for this reason; False when there is none yet."""
    day = now.date().isoformat()
    today = session.exec(
        select(Event)
        .where(
            Event.kind == "link_refused", Event.actor == "anonymous", col(Event.at) >= now - timedelta(days=1)
        )
        .order_by(col(Event.id).desc())
    ).all()
    for event in today:
        if event.detail.get("day") == day and event.detail.get("reason") == reason:
            event.detail = {**event.detail, "count": int(event.detail.get("count", 1)) + 1}
            session.add(event)
            return True
    return False


@dataclass
class _Seen:
    claims: LinkClaims | None = None


@contextmanager
def _refusals_logged(runtime: Runtime, now: datetime) -> Iterator[_Seen]:
    """Log every refused link, then re-raise it as a Refused (an unknown atelier or gate too)."""
    seen = _Seen()
    try:
        yield seen
    except AtelierError as error:
        claims = error.claims if isinstance(error, LinkExpired) else seen.claims
        log_refusal(runtime, error, now=now, claims=claims)
        if isinstance(error, NotFound):
            # A genuine signature on claims this database does not know: another installation
            # sharing the key, or a restored database. Say so without listing what exists.
            raise Refused(
                "ce lien ne correspond à aucun atelier ni aucune décision en cours ici", str(error)
            ) from None
        raise


def refuse_input(runtime: Runtime, token: str, *, purpose: Purpose, error: BadInput, now: datetime) -> None:
    """Log a bad form sent with a link (against its atelier when the link is genuine)."""
    try:
        claims: LinkClaims | None = runtime.signer.read(token, purpose=purpose, now=now)
    except Refused:
        claims = None
    log_refusal(runtime, error, now=now, claims=claims)


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
    if gate.status is not GateStatus.PENDING and pk(person) not in {
        pk(m) for m in gate_members(session=session, gate=gate)
    }:
        raise Refused(
            "ce lien ne vous permet pas de vous prononcer sur cette décision",
            f"person {person.id} is not a member of gate {gate.key}",
        )
    return atelier, gate, person


def _quotas_decided(session: Session, atelier: Atelier, gate: Gate) -> tuple[CompositionRow, ...]:
    spec = template_of(atelier).recruitment
    if spec is None or spec.quotas_gate != gate.key:
        return ()
    return tuple(composition(session=session, atelier=atelier))


def _panel_decided(session: Session, atelier: Atelier, gate: Gate) -> PanelSummary | None:
    spec = template_of(atelier).recruitment
    if spec is None or spec.panel_gate != gate.key:
        return None
    return panel_summary(session=session, atelier=atelier)


def _answers_decided(session: Session, atelier: Atelier, gate: Gate) -> AnswersDecided | None:
    answer_gate = answer_gate_of(session=session, atelier=atelier)
    if answer_gate is None or pk(answer_gate) != pk(gate):
        return None
    avis = current_avis(session=session, atelier=atelier)
    answers = current_answers(session=session, atelier=atelier)
    rows = []
    for p in proposals_of(session=session, version=avis) if avis else []:
        a = answers.get(p.number)
        details = "" if a is None else " ; ".join(x for x in (a.reason, a.carrier, a.instrument) if x)
        rows.append((p.number, p.title, STATUS_LABELS[a.status] if a else "sans réponse", details))
    return AnswersDecided(tuple(rows), incomplete_answers(session=session, atelier=atelier))


def decision_page(runtime: Runtime, token: str, *, now: datetime) -> DecisionPage:
    """What the member is asked, or how the decision ended; reads only."""
    with _refusals_logged(runtime, now) as seen:
        seen.claims = claims = runtime.signer.read(token, purpose="decision", now=now)
        with transaction(runtime.engine) as session:
            atelier, gate, person = _gate_for(session, claims)
            if gate.status is GateStatus.OPEN and session.get(UsedLink, claims.nonce) is not None:
                raise Refused("ce lien a déjà été utilisé", "link reused (page)")
            return DecisionPage(
                atelier.title,
                atelier.commanditaire,
                gate.name,
                gate.decides,
                gate.due_at,
                person.full_name,
                gate.round,
                gate.status,
                gate.closed_at,
                gate.revision_note if gate.round > 1 else None,
                tuple(
                    (pk(d), d.filename) for d in documents_of(session=session, gate=gate, round=claims.round)
                ),
                _quotas_decided(session, atelier, gate),
                _panel_decided(session, atelier, gate),
                _answers_decided(session, atelier, gate),
            )


def decision_document(runtime: Runtime, token: str, document_id: int, *, now: datetime) -> GateDocument:
    """A document of the link's gate and round, for a member who has not used the link yet."""
    with _refusals_logged(runtime, now) as seen:
        seen.claims = claims = runtime.signer.read(token, purpose="decision", now=now)
        with transaction(runtime.engine) as session:
            _atelier, gate, _person = _gate_for(session, claims)
            document = session.get(GateDocument, document_id)
            if document is None or document.gate_id != pk(gate) or document.round != claims.round:
                raise Refused(
                    "ce document n'est pas lié à cette décision", "document of another gate or round"
                )
            return document


def parse_outcome(value: str | None) -> DecisionOutcome:
    try:
        return DecisionOutcome(value or "")
    except ValueError:
        raise BadInput(
            "choisissez « Approuver », « Renvoyer pour reprise » ou « Rejeter »",
            "missing or unknown outcome",
        ) from None


def check_comment(comment: str | None) -> str | None:
    if comment is not None and len(comment) > COMMENT_MAX_LENGTH:
        raise BadInput(
            f"le commentaire dépasse {COMMENT_MAX_LENGTH} caractères : raccourcissez-le",
            f"comment of {len(comment)} characters",
        )
    return comment


def decide_via_link(
    runtime: Runtime, token: str, *, outcome: DecisionOutcome, comment: str | None, now: datetime
) -> tuple[str, DecisionResult]:
    """Record the decision behind a link; the link is spent in the same transaction."""
    with _refusals_logged(runtime, now) as seen:
        seen.claims = claims = runtime.signer.read(token, purpose="decision", now=now)
        check_comment(comment)
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


def answer_page(runtime: Runtime, token: str, *, now: datetime) -> AnswerPage:
    """The question behind an invitation link (confirm or decline); reads only."""
    with _refusals_logged(runtime, now) as seen:
        seen.claims = claims = runtime.signer.read(token, purpose="answer", now=now)
        with transaction(runtime.engine) as session:
            atelier = get_atelier(session=session, slug=claims.atelier)
            person = session.get(Person, claims.person_id)
            if person is None:
                raise Refused("ce lien n'est pas valide", "answer link for an unknown person")
            if session.get(UsedLink, claims.nonce) is not None:
                raise Refused("ce lien a déjà été utilisé", "link reused (page)")
            current = session.exec(
                select(InvitationAnswer.answer).where(
                    InvitationAnswer.atelier_id == pk(atelier), InvitationAnswer.person_id == pk(person)
                )
            ).first()
            return AnswerPage(
                atelier.title,
                atelier.commanditaire,
                person.full_name,
                Answer(claims.answer or ""),
                Answer(current) if current else None,
            )


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
