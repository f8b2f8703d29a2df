"""Following a proposal over months: dated updates, never edited, each with its state, its text
and where to see the evidence; and the citizens who asked for no more notices."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from atelier.errors import Refused
from atelier.services.avis import current_avis, proposals_of
from atelier.services.events import person_actor, record_event
from atelier.sheets.people import normal_header
from models import Atelier, FollowUpStop, OutboxMessage, ProposalUpdate
from models.enums import ImplementationState, OutboxStatus
from models.types import pk

STATE_LABELS = {
    ImplementationState.PLANNED: "à venir",
    ImplementationState.IN_PROGRESS: "en cours",
    ImplementationState.DONE: "réalisée",
    ImplementationState.ABANDONED: "abandonnée",
}
TEXT_MAX = 4000
DIGEST_KIND = "follow_up_digest"


def read_state(text: str) -> ImplementationState:
    """« en cours », « Réalisée », « realisee »… as typed; refused with the accepted values."""
    wanted = normal_header(text)
    for state, label in STATE_LABELS.items():
        if wanted in (normal_header(label), state.value.replace("_", " ")):
            return state
    raise Refused(
        f"état « {text} » inconnu : " + ", ".join(STATE_LABELS.values()), "bad implementation state"
    )


def updates_of(*, session: Session, atelier: Atelier) -> list[ProposalUpdate]:
    query = select(ProposalUpdate).where(ProposalUpdate.atelier_id == pk(atelier))
    return list(session.exec(query.order_by(col(ProposalUpdate.id))).all())


def record_update(
    *,
    session: Session,
    atelier: Atelier,
    number: int,
    state: ImplementationState,
    text: str,
    evidence_url: str | None,
    now: datetime,
    actor: str,
) -> ProposalUpdate:
    """A new step in the follow-up of proposal ``number``; the citizens hear of it in the next digest."""
    avis = current_avis(session=session, atelier=atelier)
    if avis is None or number not in {p.number for p in proposals_of(session=session, version=avis)}:
        raise Refused(f"la proposition n°{number} n'existe pas dans l'avis", "update of an unknown proposal")
    text, evidence_url = text.strip(), (evidence_url or "").strip() or None
    if not text or len(text) > TEXT_MAX:
        raise Refused(
            f"le point d'étape doit avoir un texte (au plus {TEXT_MAX} caractères)", "bad update text"
        )
    if evidence_url is not None:
        parts = urlsplit(evidence_url)
        if parts.scheme != "https" or not parts.netloc or len(evidence_url) > 500:
            raise Refused("le lien vers la pièce doit être une adresse https://…", "bad evidence url")
    update = ProposalUpdate(
        atelier_id=pk(atelier),
        number=number,
        state=state,
        text=text,
        evidence_url=evidence_url,
        recorded_at=now,
        recorded_by=actor,
    )
    session.add(update)
    record_event(
        session=session, atelier_id=pk(atelier), actor=actor, kind="follow_up_update", at=now, number=number
    )
    session.flush()
    return update


def stopped_people(*, session: Session, atelier: Atelier) -> set[int]:
    query = select(FollowUpStop.person_id).where(FollowUpStop.atelier_id == pk(atelier))
    return set(session.exec(query).all())


def stop_notices(*, session: Session, atelier: Atelier, person_id: int, now: datetime) -> bool:
    """No more follow-up notices for this citizen; False when they had already asked."""
    if person_id in stopped_people(session=session, atelier=atelier):
        return False
    try:
        with session.begin_nested():
            session.add(FollowUpStop(atelier_id=pk(atelier), person_id=person_id, stopped_at=now))
    except IntegrityError:
        return False  # the same request, a moment earlier
    # A digest already queued for them is not sent either.
    pending = select(OutboxMessage).where(
        OutboxMessage.atelier_id == pk(atelier),
        OutboxMessage.person_id == person_id,
        OutboxMessage.kind == DIGEST_KIND,
        OutboxMessage.status == OutboxStatus.PENDING,
    )
    for message in session.exec(pending).all():
        message.status = OutboxStatus.CANCELLED
        session.add(message)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=person_actor(person_id),
        kind="follow_up_stopped",
        at=now,
    )
    return True
