"""The atelier as the message planner sees it (``notifications.plan_views.AtelierSnapshot``): its people
with their roles and answers, its steps and its gates, read from the database in one session."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from atelier.clock import ensure_utc
from atelier.planning.french_calendar import VenueCalendar
from atelier.planning.template import template_of
from models import (
    Account,
    Atelier,
    CommitteeSeat,
    Decision,
    EvaluationResponse,
    Gate,
    GateDocument,
    GateMember,
    InvitationAnswer,
    Membership,
    Person,
    Step,
    Volunteer,
)
from models.enums import Role
from models.types import pk
from notifications.plan_views import AtelierSnapshot, GateView, PersonView, StepView


def load_snapshot(*, session: Session, atelier: Atelier) -> AtelierSnapshot:
    atelier_id = pk(atelier)
    template = template_of(atelier)
    stage_of = {s.key: s.stage for s in template.steps}
    people: dict[int, tuple[Person, set[Role]]] = {}
    added_at: dict[int, list[tuple[Role, datetime]]] = {}
    rows = session.exec(
        select(Person, Membership.role, Membership.added_at)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.atelier_id == atelier_id)
    ).all()
    for person, role, at in rows:
        people.setdefault(pk(person), (person, set()))[1].add(Role(role))
        added_at.setdefault(pk(person), []).append((Role(role), ensure_utc(at)))
    admins = set(
        session.exec(
            select(Account.person_id).where(
                col(Account.is_admin).is_(True), col(Account.person_id).in_(list(people))
            )
        ).all()
    )
    answers = {
        a.person_id: a.answer
        for a in session.exec(select(InvitationAnswer).where(InvitationAnswer.atelier_id == atelier_id)).all()
    }
    selected = dict(
        session.exec(
            select(Volunteer.person_id, Volunteer.selected_at).where(
                Volunteer.atelier_id == atelier_id, col(Volunteer.person_id).is_not(None)
            )
        ).all()
    )
    # A seat on the comité de suivi is the role its rules address; who left keeps it, marked, so
    # that the meetings' invitations they received are cancelled.
    left_committee = set()
    for seat in session.exec(select(CommitteeSeat).where(CommitteeSeat.atelier_id == atelier_id)).all():
        if seat.person_id in people:
            people[seat.person_id][1].add(Role.FOLLOW_UP_COMMITTEE)
            if seat.left_at is not None:
                left_committee.add(seat.person_id)
    evaluated = set(
        session.exec(
            select(EvaluationResponse.person_id).where(EvaluationResponse.atelier_id == atelier_id)
        ).all()
    )
    steps = session.exec(select(Step).where(Step.atelier_id == atelier_id).order_by(col(Step.position))).all()
    step_by_id = {pk(s): s for s in steps}
    gate_rows = session.exec(select(Gate).where(Gate.atelier_id == atelier_id)).all()
    gate_ids = [pk(g) for g in gate_rows]
    # One query per table for every gate at once (this runs at each advance of the atelier).
    members: dict[int, list[int]] = {}
    for gate_id, person_id in session.exec(
        select(GateMember.gate_id, GateMember.person_id)
        .where(col(GateMember.gate_id).in_(gate_ids))
        .order_by(col(GateMember.id))
    ).all():
        members.setdefault(gate_id, []).append(person_id)
    decisions_of: dict[int, list[Decision]] = {}
    for decision in session.exec(
        select(Decision).where(col(Decision.gate_id).in_(gate_ids)).order_by(col(Decision.id))
    ).all():
        decisions_of.setdefault(decision.gate_id, []).append(decision)
    documents_of: dict[tuple[int, int], list[str]] = {}
    for gate_id, round_, filename in session.exec(
        select(GateDocument.gate_id, GateDocument.round, GateDocument.filename)
        .where(col(GateDocument.gate_id).in_(gate_ids))
        .order_by(col(GateDocument.id))
    ).all():
        documents_of.setdefault((gate_id, round_), []).append(filename)
    gates: dict[str, GateView] = {}
    for gate in gate_rows:
        this_round = [d for d in decisions_of.get(pk(gate), []) if d.round == gate.round]
        gates[gate.key] = GateView(
            key=gate.key,
            name=gate.name,
            step_key=step_by_id[gate.step_id].key,
            status=gate.status,
            round=gate.round,
            opened_at=gate.opened_at,
            due_at=gate.due_at,
            quorum_rule=gate.quorum_rule,
            quorum_n=gate.quorum_n,
            member_ids=tuple(members.get(pk(gate), [])),
            decisions={d.person_id: d.outcome for d in this_round},
            comments={d.person_id: d.comment for d in this_round if d.comment},
            closed_at=gate.closed_at,
            revision_note=gate.revision_note,
            revised=gate.revised_at is not None,
            documents=tuple(documents_of.get((pk(gate), gate.round), [])),
        )
    return AtelierSnapshot(
        calendar=VenueCalendar(atelier.venue_departement),
        id=atelier_id,
        slug=atelier.slug,
        template=template,
        people=tuple(
            PersonView(
                pid,
                person.email,
                person.full_name,
                frozenset(roles),
                answers.get(pid),
                selected.get(pid),
                evaluated=pid in evaluated,
                left_committee=pid in left_committee,
                added_at=tuple(sorted(added_at[pid])),
                is_admin=pid in admins,
            )
            for pid, (person, roles) in sorted(people.items())
        ),
        steps={
            s.key: StepView(
                s.key,
                s.name,
                stage_of.get(s.key, ""),
                s.kind,
                s.status,
                s.forecast_start,
                s.forecast_end,
                s.revision,
                s.actual_end,
                s.moved_at,
                s.public_url,
            )
            for s in steps
        },
        gates=gates,
        risk=atelier.risk,
        forecast_avis_at=atelier.forecast_avis_at,
    )
