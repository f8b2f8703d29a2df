"""The avis as the citizens validated it, and the commanditaire's answer to each proposal.

A version is recorded as a draft, from the first day of the last weekend (where the citizens
validate it); the team reads its preview and publishes it, and only then is it public. Recording
again replaces a draft; a published version is frozen: recording again with changes makes the
next version, with a note saying what changed. Answers are appended, never edited; the team
publishes them once every proposal has one, and only published answers reach the public record."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from atelier.avis.sheets import AnswerIn, ProposalIn, avis_digest, check_answer
from atelier.clock import paris
from atelier.errors import Refused
from atelier.i18n import long_datetime, short_date
from atelier.planning.template import template_of
from atelier.services.events import record_event
from models import Atelier, AvisProposal, AvisVersion, Gate, ProposalAnswer, Step
from models.enums import GateStatus, StepKind
from models.types import pk

NOTE_MAX = 1000


def current_avis(*, session: Session, atelier: Atelier, drafts: bool = False) -> AvisVersion | None:
    """The latest published version (the latest recorded one, draft or not, with ``drafts``)."""
    query = select(AvisVersion).where(AvisVersion.atelier_id == pk(atelier))
    if not drafts:
        query = query.where(col(AvisVersion.published_at).is_not(None))
    return session.exec(query.order_by(col(AvisVersion.version).desc())).first()


def draft_avis(*, session: Session, atelier: Atelier) -> AvisVersion | None:
    """The version recorded and not yet published, if any."""
    latest = current_avis(session=session, atelier=atelier, drafts=True)
    return latest if latest is not None and latest.published_at is None else None


def avis_weekend(*, session: Session, atelier: Atelier) -> Step | None:
    """The last weekend, where the citizens validate their avis: it is recorded from its start."""
    query = select(Step).where(Step.atelier_id == pk(atelier), Step.kind == StepKind.WEEKEND)
    return session.exec(query.order_by(col(Step.position).desc())).first()


def _check_dates(*, session: Session, atelier: Atelier, validated_on: date, now: datetime) -> None:
    weekend = avis_weekend(session=session, atelier=atelier)
    if weekend is not None and now < weekend.forecast_start:
        raise Refused(
            f"l'avis est validé par les citoyens au « {weekend.name} » : il s'enregistre à partir du "
            f"{long_datetime(weekend.forecast_start)}",
            "avis before its weekend",
        )
    if validated_on > paris(now).date():
        raise Refused(
            f"la date de validation ({short_date(validated_on)}) est dans le futur",
            "avis validated in the future",
        )
    if weekend is not None and validated_on < paris(weekend.forecast_start).date():
        raise Refused(
            f"la date de validation ({short_date(validated_on)}) précède le « {weekend.name} », où les "
            f"citoyens valident l'avis ({short_date(paris(weekend.forecast_start))})",
            "avis validated before its weekend",
        )


def proposals_of(*, session: Session, version: AvisVersion) -> list[AvisProposal]:
    query = select(AvisProposal).where(AvisProposal.avis_version_id == pk(version))
    return list(session.exec(query.order_by(col(AvisProposal.number))).all())


def record_avis(
    *,
    session: Session,
    atelier: Atelier,
    text: str,
    proposals: list[ProposalIn],
    validated_on: date,
    note: str | None,
    now: datetime,
    actor: str,
) -> AvisVersion:
    """A draft of the next version of the avis (replacing a draft not yet published); the first
    needs no note, every later one says what changed since the published one."""
    text, note = text.strip(), (note or "").strip() or None
    if not text:
        raise Refused("le texte de l'avis est vide", "empty avis text")
    if note is not None and len(note) > NOTE_MAX:
        raise Refused(f"la note dépasse {NOTE_MAX} caractères", "note too long")
    _check_dates(session=session, atelier=atelier, validated_on=validated_on, now=now)
    digest = avis_digest(text, proposals)
    current = current_avis(session=session, atelier=atelier)
    if current is not None:
        if current.digest == digest:
            raise Refused(
                f"cet avis est identique à la version {current.version} déjà publiée", "same avis again"
            )
        if note is None:
            raise Refused(
                f"l'avis publié (version {current.version}) ne se modifie pas : une nouvelle version "
                "est enregistrée, indiquez ce qui change",
                "new avis version without a note",
            )
    draft = draft_avis(session=session, atelier=atelier)
    if draft is not None:  # never public: replaced, under the same number
        for proposal in proposals_of(session=session, version=draft):
            session.delete(proposal)
        session.delete(draft)
        session.flush()
    version = AvisVersion(
        atelier_id=pk(atelier),
        version=(current.version + 1) if current else 1,
        text=text,
        validated_on=validated_on,
        note=note,
        digest=digest,
        recorded_at=now,
        recorded_by=actor,
    )
    session.add(version)
    session.flush()
    for p in proposals:
        session.add(
            AvisProposal(
                avis_version_id=pk(version),
                number=p.number,
                title=p.title,
                text=p.text,
                theme=p.theme,
                position=p.position,
                support=p.support,
            )
        )
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="avis_recorded",
        at=now,
        version=version.version,
        digest=digest,
        proposals=len(proposals),
    )
    session.flush()
    return version


def publish_avis(*, session: Session, atelier: Atelier, now: datetime, actor: str) -> AvisVersion:
    """Make the draft public (the public record shows it from now on); it is frozen from then."""
    draft = draft_avis(session=session, atelier=atelier)
    if draft is None:
        raise Refused("aucune version de l'avis n'attend d'être publiée", "no avis draft")
    draft.published_at = now
    session.add(draft)
    record_event(
        session=session, atelier_id=pk(atelier), actor=actor, kind="avis_published", at=now,
        version=draft.version, digest=draft.digest,
    )  # fmt: skip
    session.flush()
    return draft


def current_answers(
    *, session: Session, atelier: Atelier, published_only: bool = False
) -> dict[int, ProposalAnswer]:
    """The latest answer to each proposal (the latest published one, for the public record)."""
    query = select(ProposalAnswer).where(ProposalAnswer.atelier_id == pk(atelier))
    if published_only:
        query = query.where(col(ProposalAnswer.published_at).is_not(None))
    latest: dict[int, ProposalAnswer] = {}
    for answer in session.exec(query.order_by(col(ProposalAnswer.id))).all():
        latest[answer.number] = answer
    return latest


def _numbers(session: Session, atelier: Atelier) -> tuple[AvisVersion, set[int]]:
    avis = current_avis(session=session, atelier=atelier)
    if avis is None:
        raise Refused("l'avis des citoyens n'est pas encore publié", "no avis yet")
    return avis, {p.number for p in proposals_of(session=session, version=avis)}


def record_answers(
    *, session: Session, atelier: Atelier, answers: list[AnswerIn], now: datetime, actor: str
) -> int:
    """Append the answers (all or none); each is checked against the avis's proposals."""
    avis, numbers = _numbers(session, atelier)
    for answer in answers:
        if answer.number not in numbers:
            raise Refused(
                f"la proposition n°{answer.number} n'existe pas dans l'avis (version {avis.version})",
                "answer to an unknown proposal",
            )
        check_answer(answer)
    for answer in answers:
        session.add(
            ProposalAnswer(
                atelier_id=pk(atelier),
                number=answer.number,
                status=answer.status,
                reason=answer.reason,
                carrier=answer.carrier,
                instrument=answer.instrument,
                due_on=answer.due_on,
                recorded_at=now,
                recorded_by=actor,
            )
        )
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="answers_recorded",
        at=now,
        answers=len(answers),
    )
    session.flush()
    return len(answers)


def answer_gate_of(*, session: Session, atelier: Atelier) -> Gate | None:
    """The gate by which the commanditaire approves its answer (on the template's answer step)."""
    key = template_of(atelier).follow_up.answer_step
    if key is None:
        return None
    query = select(Gate).join(Step, col(Step.id) == col(Gate.step_id))
    return session.exec(query.where(Step.atelier_id == pk(atelier), Step.key == key)).first()


def incomplete_answers(*, session: Session, atelier: Atelier) -> str | None:
    """Why the answer cannot be approved or published yet (French), or None when it can."""
    avis = current_avis(session=session, atelier=atelier)
    if avis is None:
        return "l'avis des citoyens n'est pas encore publié"
    numbers = {p.number for p in proposals_of(session=session, version=avis)}
    missing = sorted(numbers - set(current_answers(session=session, atelier=atelier)))
    if missing:
        return "sans réponse, " + ", ".join(f"n°{n}" for n in missing)
    return None


def publish_answers(*, session: Session, atelier: Atelier, now: datetime, actor: str) -> int:
    """Publish the answers recorded since the last publication; refused while a proposal has none,
    and before the commanditaire approves the answer (whose approval publishes it)."""
    gate = answer_gate_of(session=session, atelier=atelier)
    if gate is not None and gate.status is not GateStatus.APPROVED:
        raise Refused(
            f"la réponse attend la décision « {gate.name} » : son approbation la publiera",
            "answers published before their gate",
        )
    missing = incomplete_answers(session=session, atelier=atelier)
    if missing is not None:
        raise Refused(f"pas de publication : {missing}", "answers missing")
    published = publish_pending(session=session, atelier=atelier, now=now, actor=actor)
    if not published:
        raise Refused("aucune réponse nouvelle à publier", "nothing to publish")
    return published


def publish_pending(*, session: Session, atelier: Atelier, now: datetime, actor: str) -> int:
    """Publish every latest answer not yet published (the gate's approval, or the team after it)."""
    _avis, numbers = _numbers(session, atelier)
    latest = current_answers(session=session, atelier=atelier)
    fresh = [a for a in latest.values() if a.published_at is None and a.number in numbers]
    if not fresh:
        return 0
    for answer in fresh:
        answer.published_at = now
        session.add(answer)
    record_event(
        session=session,
        atelier_id=pk(atelier),
        actor=actor,
        kind="answers_published",
        at=now,
        answers=len(fresh),
    )
    session.flush()
    return len(fresh)
