"""Turning a planned message into an outbox row: template context, links and calendar invite."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.policy import default as default_policy
from email.utils import formataddr
from typing import Any

from atelier.config import Settings
from atelier.i18n import hour, long_date, long_datetime
from atelier.links import LinkSigner
from atelier.planning.timeline import EVENT_KINDS
from models import Atelier, OutboxMessage
from models.enums import AVIS_FORM_LABELS, ROLE_LABELS, Role, StepKind, StepStatus
from notifications.calendar_invite import Invite, InviteMethod, build_invite
from notifications.plan_views import AtelierSnapshot, PersonView, PlannedMessage, StepView
from notifications.planner import gate_counts
from notifications.rendering import render_message

ATELIER_STAGE = "atelier"  # the stage whose weekends and sessions make "the calendar" of invitations


def address_line(full_name: str, email: str) -> str:
    """The To: of a message: « Name <address> », the name on one line. An address whose part before
    « @ » is not ASCII (refused at entry, but older data may hold one) travels only in UTF-8 headers
    through a relay offering SMTPUTF8 (the transport checks): the line is written for that, instead
    of failing here and stopping every other message of the atelier."""
    name = " ".join(full_name.split())
    if email.isascii():
        return formataddr((name, email))
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{email}>'


def readable_address(line: str) -> str:
    """A To: line as people read it: « Jérôme Petit <jerome@exemple.fr> », not its encoded words."""
    return str(default_policy.header_factory("To", line))


# The roles that open an atelier in the workspace, in the order an invitation names them.
WORKSPACE_ROLES = (Role.PROJECT_TEAM, Role.COMMANDITAIRE, Role.COPIL_MEMBER, Role.GARANT)


@dataclass(frozen=True)
class Recipient:
    person_id: int | None
    email: str
    full_name: str
    roles: frozenset[Role]


def workspace_context(settings: Settings, email: str, roles: frozenset[Role] | None) -> dict[str, Any]:
    """How to reach the workspace: its sign-in page, the address to give, what this person does there
    (``roles`` None: an account given by an administrator, for every atelier they will be part of)."""
    shown = [r for r in WORKSPACE_ROLES if roles is not None and r in roles]
    return {
        "signin_page": settings.public_base_url.rstrip("/") + "/connexion",
        "email": email,
        "roles": ", ".join(ROLE_LABELS[r] for r in shown),
        "edits": roles is not None and Role.PROJECT_TEAM in roles,
    }


def message_id_for(key: str, settings: Settings) -> str:
    """Stable per outbox key: a re-send after a crash carries the same Message-ID."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = settings.mail_from.rsplit("@", 1)[-1]
    return f"<{digest}@{domain}>"


def public_record_url(settings: Settings, slug: str) -> str:
    """The atelier's public record (``/public/{slug}``), where answers and the mandat are published."""
    return f"{settings.public_base_url.rstrip('/')}/public/{slug}"


def event_uid(atelier: Atelier, step_key: str, settings: Settings) -> str:
    domain = settings.mail_from.rsplit("@", 1)[-1]
    return f"{atelier.slug}.{step_key}@{domain}"


def _unknown(value: str | None) -> str:
    return value or "communiqué prochainement par l'équipe projet"


def _location(atelier: Atelier, step: StepView) -> str:
    if step.kind is StepKind.WEEKEND:
        return _unknown(atelier.venue)
    if step.kind is StepKind.ONLINE_SESSION:
        return f"En ligne : {_unknown(atelier.online_meeting_url)}"
    return _unknown(atelier.copil_meeting_place)


def _event(atelier: Atelier, step: StepView) -> dict[str, Any]:
    return {
        "key": step.key,
        "name": step.name,
        "is_weekend": step.kind is StepKind.WEEKEND,
        "start_long": long_datetime(step.start),
        "end_long": long_datetime(step.end),
        "end_date_long": long_date(step.end),
        "start_hour": hour(step.start),
        "end_hour": hour(step.end),
        "minutes": int((step.end - step.start).total_seconds() // 60),
        "location": _location(atelier, step),
        "public_url": step.public_url,
    }


def _atelier_context(atelier: Atelier, snapshot: AtelierSnapshot) -> dict[str, Any]:
    indemnisation = (
        f"{atelier.indemnisation_per_day_eur} € par journée de présence"
        if atelier.indemnisation_per_day_eur is not None
        else "son montant vous sera communiqué prochainement"
    )
    return {
        "slug": atelier.slug,
        "title": atelier.title,
        "commanditaire": atelier.commanditaire,
        "question": atelier.question,
        "avis_form": AVIS_FORM_LABELS[atelier.avis_form],
        "citizens": snapshot.template.citizens,
        "venue": _unknown(atelier.venue),
        "venue_access": _unknown(atelier.venue_access),
        "day_phone": _unknown(atelier.day_phone),
        "hotel": _unknown(atelier.hotel),
        "online_url": _unknown(atelier.online_meeting_url),
        "indemnisation": indemnisation,
    }


def _gate_context(snapshot: AtelierSnapshot, gate_key: str) -> dict[str, Any]:
    gate = snapshot.gates[gate_key]
    answered, needed = gate_counts(gate)
    names = {p.id: p.full_name for p in snapshot.people}
    spec = snapshot.template.step(gate.step_key).gate
    return {
        "key": gate.key,
        "name": gate.name,
        "decides": spec.decides if spec else "",
        "round": gate.round,
        "due_long": long_datetime(gate.due_at),
        "answered": answered,
        "members": len(gate.member_ids),
        "needed": needed,
        "missing": [names.get(m, "?") for m in gate.member_ids if m not in gate.decisions],
        "comments": [(names.get(m, "?"), text) for m, text in sorted(gate.comments.items())],
        "revision_note": gate.revision_note,
        "documents": list(gate.documents),
    }


def _confirm_by(snapshot: AtelierSnapshot, person_id: int | None) -> str | None:
    """For a citizen drawn by lot: the day they are asked to confirm by (then replaced)."""
    spec = snapshot.template.recruitment
    person = next((p for p in snapshot.people if p.id == person_id), None)
    if spec is None or person is None or person.selected_at is None:
        return None
    return long_date(person.selected_at + timedelta(days=spec.confirm_days))


def privacy_notice(settings: Settings) -> str:
    """What citizens are told about their personal data when it is collected (RGPD, art. 13)."""
    contact = settings.data_protection_email or settings.team_email
    return (
        "Vos nom, adresse électronique et réponses sont utilisés uniquement pour organiser l'atelier "
        "citoyen et vous informer des suites données à l'avis ; ils ne sont transmis à aucun tiers. "
        f"Ils sont conservés jusqu'à la fin du droit de suite, et au plus {settings.data_retention_months} "
        f"mois après la remise de l'avis. Responsable du traitement : {settings.data_controller}. "
        f"Pour accéder à vos données, les rectifier ou les faire effacer, écrivez à {contact} ; vous "
        "pouvez aussi saisir la CNIL (www.cnil.fr)."
    )


def compose(
    planned: PlannedMessage,
    *,
    atelier: Atelier,
    snapshot: AtelierSnapshot,
    recipient: Recipient,
    settings: Settings,
    signer: LinkSigner,
    now: datetime,
    extra: dict[str, Any] | None = None,
    received_earlier: bool = False,
) -> OutboxMessage:
    """Render the planned message for its recipient into an outbox row.

    ``received_earlier``: this recipient already received an invitation to this event, so a new
    one is worded as a change; a first invitation never is, whatever the event's revision.
    """
    kind = "event_cancelled" if planned.cancel else planned.kind
    step = snapshot.steps.get(planned.step_key or "")
    # A cancellation for one person (they declined) is not the event's cancellation.
    attendee_only = planned.cancel and step is not None and step.status is not StepStatus.CANCELLED
    context: dict[str, Any] = {
        "atelier": _atelier_context(atelier, snapshot),
        "team": {"name": settings.mail_from_name, "email": settings.team_email},
        "privacy": {"text": privacy_notice(settings)},
        "person": {
            "full_name": recipient.full_name,
            "is_citizen": Role.CITIZEN in recipient.roles,
            "confirm_by_long": _confirm_by(snapshot, recipient.person_id),
        },
        "revision": planned.revision or 0,
        "is_update": received_earlier and not planned.cancel,
        "attendee_only": attendee_only,
        "days_before": planned.days_before,
        "role_label": ", ".join(
            sorted(ROLE_LABELS[r] for r in recipient.roles if r in (Role.EXPERT, Role.TRAINER))
        )
        or "intervenant",
    }
    events = [
        _event(atelier, s)
        for s in snapshot.steps.values()
        if s.kind in (StepKind.WEEKEND, StepKind.ONLINE_SESSION) and s.stage == ATELIER_STAGE
    ]
    context["events"] = events
    context["first_event"] = events[0] if events else {"start_long": "à préciser"}
    if step is not None:
        context["event"] = _event(atelier, step)
        spec = snapshot.template.step(step.key)
        if spec.public_link and not step.public_url:  # published on the atelier's own public record
            context["event"]["public_url"] = public_record_url(settings, atelier.slug)
        context["agenda"] = spec.agenda
        context["handed_over_long"] = long_datetime(step.actual_end or step.end)
        gate_of_step = next((g for g in snapshot.gates.values() if g.step_key == step.key), None)
        if gate_of_step is not None:
            context["gate"] = _gate_context(snapshot, gate_of_step.key)
    if planned.refers_to is not None:
        context["refers_to"] = _event(atelier, snapshot.steps[planned.refers_to])
    if planned.gate_key is not None and recipient.person_id is not None:
        gate = snapshot.gates[planned.gate_key]
        context["gate"] = _gate_context(snapshot, planned.gate_key)
        # Valid as long as the decision is asked, whenever this message leaves (a reminder leaves
        # days after it is written): past its due date and a margin, never less than usual.
        until = max(
            max(gate.due_at, planned.due_at) + timedelta(days=settings.decision_link_margin_days),
            signer.expires_at(now),
        )
        context["links"] = {
            "decision": signer.decision_url(
                atelier=atelier.slug, gate=gate.key, round=gate.round, person_id=recipient.person_id, now=now,
                until=until,
            ),
            "expires_long": long_datetime(until),
        }  # fmt: skip
    elif planned.gate_key is not None:
        context["gate"] = _gate_context(snapshot, planned.gate_key)
    if planned.kind in ("citizen_invitation", "confirmation_reminder") and recipient.person_id is not None:
        context["links"] = {
            answer: signer.answer_url(
                atelier=atelier.slug, person_id=recipient.person_id, answer=answer, now=now
            )
            for answer in ("confirm", "decline")
        }
        # The mandat is sent with the invitation: the page the team reviewed, kept up to date.
        context["links"]["mandat"] = f"{public_record_url(settings, atelier.slug)}/mandat.html"
    if planned.kind in ("evaluation_request", "evaluation_reminder") and recipient.person_id is not None:
        context["links"] = {
            "evaluation": signer.evaluation_url(atelier=atelier.slug, person_id=recipient.person_id, now=now)
        }
    if planned.kind == "meeting_reminder":
        context["links"] = {"public": public_record_url(settings, atelier.slug)}
    if planned.kind == "workspace_invitation":
        context["workspace"] = workspace_context(settings, recipient.email, recipient.roles)
    if planned.kind == "committee_call" and recipient.person_id is not None:
        committee = snapshot.template.follow_up.committee
        seats, meetings = (committee.seats, committee.meetings) if committee else (0, [])
        context["committee"] = {
            "seats": seats,
            "meetings": [_event(atelier, snapshot.steps[k]) for k in meetings],
        }
        context["links"] = {
            "committee": signer.committee_url(atelier=atelier.slug, person_id=recipient.person_id, now=now)
        }
    context.update(extra or {})
    rendered = render_message(kind, context)
    ics, method = None, None
    if (
        step is not None
        and step.kind in EVENT_KINDS
        and planned.kind in ("event_invitation", "copil_convocation")
    ):
        method = InviteMethod.CANCEL if planned.cancel else InviteMethod.REQUEST
        ics = build_invite(
            Invite(
                uid=event_uid(atelier, step.key, settings),
                sequence=step.revision + (1 if planned.cancel else 0),
                method=method,
                summary=f"{step.name} — {atelier.title}",
                description=rendered.text,
                location=_location(atelier, step),
                start=step.start,
                end=step.end,
                organizer_email=settings.calendar_organizer_email or settings.team_email,
                organizer_name=settings.mail_from_name,
                attendee_email=recipient.email,
                attendee_name=recipient.full_name,
                stamp=now,
                attendee_only=attendee_only,
            )
        )
    return OutboxMessage(
        atelier_id=snapshot.id,
        key=planned.key,
        kind=kind,
        person_id=recipient.person_id,
        recipient=address_line(recipient.full_name, recipient.email),
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        ics=ics,
        ics_method=method.value if method else None,
        context={
            "rule": planned.rule,
            "step": planned.step_key,
            "gate": planned.gate_key,
            "round": planned.round,
            "revision": planned.revision,
        },
        message_id=message_id_for(planned.key, settings),
        due_at=planned.due_at,
        created_at=now,
    )


def person_recipient(person: PersonView) -> Recipient:
    return Recipient(person.id, person.email, person.full_name, person.roles)
