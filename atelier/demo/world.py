"""The simulated world of the demo: a project team, a COPIL and citizens acting over time.

Everybody acts through the same code paths as real users: the team records steps as
``atelier step done`` does, COPIL members and citizens follow the links of the e-mails they
actually received (``atelier.services.link_actions``, what the web page calls).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from atelier.bootstrap import Runtime
from atelier.clock import PARIS, SimulatedClock
from atelier.db import transaction
from atelier.demo.avis import ANSWERS, AVIS_TEXT, PROPOSALS, UPDATES
from atelier.demo.voice import Intent, voice_intents
from atelier.errors import Refused
from atelier.planning.template import template_of
from atelier.services.ateliers import get_atelier
from atelier.services.avis import answer_gate_of, current_avis, publish_avis, record_answers, record_avis
from atelier.services.follow_up import record_update
from atelier.services.gates import (
    gate_asked_from,
    gate_members,
    gates_of,
    record_revision,
    round_decisions,
)
from atelier.services.link_actions import answer_via_link, decide_via_link
from atelier.services.timeline import record_step_done, steps_of
from models import Atelier, Gate, InvitationAnswer, OutboxMessage, Person, Step
from models.enums import DecisionOutcome, GateStatus, OutboxStatus, StepKind, StepStatus
from models.types import pk

DECISION_LINK = re.compile(r"https?://\S+/decision/(\S+)")
ANSWER_LINK = re.compile(r"https?://\S+/reponse/(\S+)")

SEND_BACK_COMMENT = (
    "L'échantillon doit mieux représenter les habitants des communes rurales "
    "et les personnes sans voiture ; merci de revoir les quotas."
)
# Where the ministry publishes the avis and its answer (the demo's stand-in for its website).
PUBLICATION_SITE = "https://www.example.gouv.fr/ateliers-citoyens"
REVISION_NOTE = (
    "Quotas revus : 40 % d'habitants de communes rurales et 6 personnes sans voiture "
    "sur 15 (au lieu de 25 % et 2)."
)


@dataclass
class SimulatedWorld:
    runtime: Runtime
    clock: SimulatedClock
    slug: str
    late_citizen: str = "odile.chevalier@example.org"
    silent_citizens: int = 3  # do not vote on the avis (majority still reached)
    _done_intents: set[str] = field(default_factory=set)

    # --- what is due -------------------------------------------------------------------

    def intents(self) -> list[Intent]:
        with transaction(self.runtime.engine) as session:
            atelier = get_atelier(session=session, slug=self.slug)
            intents = self._team_intents(session, pk(atelier))
            intents += self._member_intents(session, pk(atelier))
            intents += self._citizen_intents(session, pk(atelier))
            intents += voice_intents(self.runtime, self.clock, session, atelier)
            intents += self._engine_wake_ups(session, atelier)
        return [i for i in intents if i.label not in self._done_intents]

    def _engine_wake_ups(self, session: Session, atelier: Atelier) -> list[Intent]:
        """Times the engine has something to do although nobody acted: a meeting's gate to ask
        a week ahead (`atelier serve` finds it at its daily check)."""
        wake_ups = []
        for gate in gates_of(session=session, atelier=atelier):
            if gate.status is not GateStatus.PENDING:
                continue
            asked_from = gate_asked_from(session=session, atelier=atelier, gate=gate)
            if asked_from is not None:
                label = f"engine:ask:{gate.key}:{asked_from.isoformat()}"
                wake_ups.append(Intent(asked_from, lambda: True, label))
        return wake_ups

    def next_time(self, now: datetime) -> datetime | None:
        times = [i.at for i in self.intents()]
        with transaction(self.runtime.engine) as session:
            due = session.exec(
                select(OutboxMessage.due_at)
                .where(OutboxMessage.status == OutboxStatus.PENDING, col(OutboxMessage.due_at) > now)
                .order_by(col(OutboxMessage.due_at))
                .limit(1)
            ).first()
        if due is not None:
            times.append(due)
        future = [t for t in times if t > now]
        return min(future) if future else (now if times else None)

    def act(self) -> int:
        """Carry out every intent due now; returns how many changed something."""
        now = self.clock.now()
        changed = 0
        for intent in sorted(self.intents(), key=lambda i: i.at):
            if intent.at <= now and intent.label not in self._done_intents:
                self._done_intents.add(intent.label)
                if intent.action():
                    changed += 1
        return changed

    # --- the project team records what happened, when it was planned ---------------------

    def _team_intents(self, session: Session, atelier_id: int) -> list[Intent]:
        steps = steps_of(session=session, atelier=get_atelier(session=session, slug=self.slug))
        by_key = {s.key: s for s in steps}
        gated = set(session.exec(select(Gate.step_id).where(Gate.atelier_id == atelier_id)).all())
        intents = []
        for step in steps:
            if step.status is not StepStatus.PENDING or step.id in gated or step.kind is StepKind.MILESTONE:
                continue
            if any(by_key[d].status is StepStatus.PENDING for d in step.depends_on):
                continue
            when = max(
                step.forecast_end, max(by_key[d].actual_end or step.forecast_end for d in step.depends_on)
            )
            intents.append(Intent(when, self._mark_done(step.key, when), f"team:{step.key}"))
        answer_gate = answer_gate_of(session=session, atelier=get_atelier(session=session, slug=self.slug))
        if answer_gate is not None and answer_gate.status is GateStatus.OPEN and answer_gate.opened_at:
            # The team records the commanditaire's answer the morning after it is asked for it.
            day = (answer_gate.opened_at.astimezone(PARIS) + timedelta(days=1)).date()
            when = datetime.combine(day, time(9, 0), tzinfo=PARIS)
            intents.append(Intent(when, self._answer_avis(), "team:answers"))
        for gate in session.exec(
            select(Gate).where(Gate.atelier_id == atelier_id, Gate.status == GateStatus.SENT_BACK)
        ).all():
            if gate.revised_at is None and gate.closed_at is not None:
                # The team reworks the document the next morning and records the revised version.
                day = (gate.closed_at.astimezone(PARIS) + timedelta(days=1)).date()
                when = datetime.combine(day, time(10, 0), tzinfo=PARIS)
                intents.append(Intent(when, self._revise(gate.key), f"team:revise:{gate.key}:{gate.round}"))
        return intents

    def _answer_avis(self) -> Callable[[], bool]:
        def action() -> bool:
            with transaction(self.runtime.engine) as session:
                atelier = get_atelier(session=session, slug=self.slug)
                now = self.clock.now()
                self._ensure_avis(session, atelier)
                record_answers(session=session, atelier=atelier, answers=ANSWERS, now=now, actor="team")
                number, state, text, link = UPDATES["reponse_commanditaire"]
                record_update(session=session, atelier=atelier, number=number, state=state, text=text,
                              evidence_url=link, now=now, actor="team")  # fmt: skip
            return True

        return action

    def _revise(self, gate_key: str) -> Callable[[], bool]:
        def action() -> bool:
            with transaction(self.runtime.engine) as session:
                atelier = get_atelier(session=session, slug=self.slug)
                record_revision(
                    session=session,
                    atelier=atelier,
                    gate_key=gate_key,
                    note=REVISION_NOTE,
                    now=self.clock.now(),
                )
            return True

        return action

    def _mark_done(self, key: str, when: datetime) -> Callable[[], bool]:
        def action() -> bool:
            with transaction(self.runtime.engine) as session:
                atelier = get_atelier(session=session, slug=self.slug)
                published = template_of(atelier).step(key).public_link
                self._follow_up(session, atelier, key)
                record_step_done(
                    session=session,
                    atelier=atelier,
                    step_key=key,
                    done_at=when,
                    actor="team",
                    now=self.clock.now(),
                    public_url=f"{PUBLICATION_SITE}/{self.slug}/{key}" if published else None,
                )
            return True

        return action

    def _follow_up(self, session: Session, atelier: Atelier, key: str) -> None:
        """The droit de suite as the team records it: the avis validated at the handover when it
        is published (if the answer did not need it first), a follow-up step at the restitution."""
        now = self.clock.now()
        if key == "publication_avis":
            self._ensure_avis(session, atelier)
        if key in UPDATES and key != "reponse_commanditaire":
            number, state, text, link = UPDATES[key]
            record_update(session=session, atelier=atelier, number=number, state=state, text=text,
                          evidence_url=link, now=now, actor="team")  # fmt: skip

    def _ensure_avis(self, session: Session, atelier: Atelier) -> None:
        if current_avis(session=session, atelier=atelier) is not None:
            return
        handover = next(s for s in steps_of(session=session, atelier=atelier) if s.key == "remise_avis")
        validated = (handover.actual_end or self.clock.now()).astimezone(PARIS).date()
        record_avis(session=session, atelier=atelier, text=AVIS_TEXT, proposals=PROPOSALS,
                    validated_on=validated, note=None, now=self.clock.now(), actor="team")  # fmt: skip
        publish_avis(session=session, atelier=atelier, now=self.clock.now(), actor="team")

    # --- COPIL members (and citizens on the avis) decide through their links -------------

    def _member_intents(self, session: Session, atelier_id: int) -> list[Intent]:
        intents = []
        for gate in session.exec(
            select(Gate).where(Gate.atelier_id == atelier_id, Gate.status == GateStatus.OPEN)
        ).all():
            if gate.opened_at is None:
                continue
            decided = {d.person_id for d in round_decisions(session=session, gate=gate)}
            members = gate_members(session=session, gate=gate)
            voters = (
                members[: len(members) - self.silent_citizens] if gate.member_role == "citizen" else members
            )
            for index, member in enumerate(voters):
                if pk(member) in decided:
                    continue
                at, outcome, comment = self._behaviour(gate, index)
                label = f"decide:{gate.key}:{gate.round}:{member.id}"
                intents.append(
                    Intent(at, self._decide(gate.key, gate.round, pk(member), outcome, comment), label)
                )
        return intents

    def _behaviour(self, gate: Gate, index: int) -> tuple[datetime, DecisionOutcome, str | None]:
        opened = gate.opened_at or gate.due_at
        if gate.key == "copil_1" and gate.round == 1:
            # At the first COPIL, the sample is sent back once.
            if index < 3:
                return (
                    gate.due_at + timedelta(minutes=30 + index),
                    DecisionOutcome.SEND_BACK,
                    SEND_BACK_COMMENT,
                )
            return gate.due_at + timedelta(minutes=40 + index), DecisionOutcome.APPROVE, None
        if gate.member_role == "citizen":
            return opened + timedelta(minutes=5 + index), DecisionOutcome.APPROVE, None
        if gate.round > 1:
            day = (opened.astimezone(PARIS) + timedelta(days=1)).date()
            return datetime.combine(day, time(10, index), tzinfo=PARIS), DecisionOutcome.APPROVE, None
        if opened >= gate.due_at or gate.key.startswith("copil_"):
            # COPIL meetings decide in session; links are used during the meeting.
            return max(opened, gate.due_at) + timedelta(minutes=10 + index), DecisionOutcome.APPROVE, None
        day = (opened.astimezone(PARIS) + timedelta(days=1)).date()
        at = datetime.combine(day, time(9, 30 + index * 5), tzinfo=PARIS)
        return min(max(at, opened), gate.due_at + timedelta(minutes=index)), DecisionOutcome.APPROVE, None

    def _decide(
        self, gate_key: str, round: int, person_id: int, outcome: DecisionOutcome, comment: str | None
    ) -> Callable[[], bool]:
        def action() -> bool:
            token = self._latest_link(person_id, DECISION_LINK, gate_key=gate_key, round=round)
            if token is None:
                return False
            try:
                decide_via_link(self.runtime, token, outcome=outcome, comment=comment, now=self.clock.now())
            except Refused:
                return False
            return True

        return action

    # --- citizens answer their invitation ------------------------------------------------

    def _citizen_intents(self, session: Session, atelier_id: int) -> list[Intent]:
        intents = []
        invitations = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.atelier_id == atelier_id,
                OutboxMessage.kind == "citizen_invitation",
                OutboxMessage.status == OutboxStatus.SENT,
            )
        ).all()
        answered = set(
            session.exec(
                select(InvitationAnswer.person_id).where(InvitationAnswer.atelier_id == atelier_id)
            ).all()
        )
        for invitation in invitations:
            if invitation.person_id is None or invitation.person_id in answered or invitation.sent_at is None:
                continue
            person = session.get(Person, invitation.person_id)
            if person is None:
                continue
            if person.email == self.late_citizen:
                reminder = session.exec(
                    select(OutboxMessage).where(
                        OutboxMessage.person_id == person.id,
                        OutboxMessage.kind == "confirmation_reminder",
                        OutboxMessage.status == OutboxStatus.SENT,
                    )
                ).first()
                if reminder is None or reminder.sent_at is None:
                    continue
                at = reminder.sent_at + timedelta(hours=3)
            else:
                day = (invitation.sent_at.astimezone(PARIS) + timedelta(days=1)).date()
                at = datetime.combine(day, time(19, pk(person) % 50), tzinfo=PARIS)
            intents.append(Intent(at, self._answer(pk(person)), f"answer:{person.id}"))
        return intents

    def _answer(self, person_id: int) -> Callable[[], bool]:
        def action() -> bool:
            token = self._latest_link(
                person_id, ANSWER_LINK, kinds=("confirmation_reminder", "citizen_invitation")
            )
            if token is None:
                return False
            answer_via_link(self.runtime, token, now=self.clock.now())
            return True

        return action

    # --- reading what people received ---------------------------------------------------

    def _latest_link(
        self,
        person_id: int,
        pattern: re.Pattern[str],
        *,
        gate_key: str | None = None,
        round: int | None = None,
        kinds: tuple[str, ...] = ("decision_reminder", "decision_request"),
    ) -> str | None:
        """The link in the last e-mail of these kinds that this person was actually sent."""
        for row in self._sent(person_id, kinds):
            if gate_key is not None and (
                row.context.get("gate") != gate_key or row.context.get("round") != round
            ):
                continue
            match = pattern.search(row.body_text)
            if match:
                return match.group(1)
        return None

    def _sent(self, person_id: int, kinds: tuple[str, ...]) -> list[OutboxMessage]:
        """The e-mails of these kinds this person was actually sent, the latest first."""
        with transaction(self.runtime.engine) as session:
            return list(
                session.exec(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.person_id == person_id,
                        OutboxMessage.status == OutboxStatus.SENT,
                        col(OutboxMessage.kind).in_(kinds),
                    )
                    .order_by(col(OutboxMessage.sent_at).desc())
                ).all()
            )


def step_rows(runtime: Runtime, slug: str) -> list[Step]:
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        return steps_of(session=session, atelier=atelier)
