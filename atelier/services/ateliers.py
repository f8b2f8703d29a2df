"""Creating and finding ateliers; the plan is written once, at creation."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlmodel import Session, col, select

from atelier.clock import PARIS
from atelier.errors import InvalidValue, NotFound, Refused
from atelier.i18n import short_date
from atelier.planning.french_calendar import DEPARTEMENT_HINT, VenueCalendar, normalise_departement
from atelier.planning.template import DEFAULT_TEMPLATE_KEY, get_template
from atelier.planning.timeline import Timeline, gate_due_at, plan_timeline
from atelier.services.events import record_event
from models import Atelier, Gate, Stage, Step
from models.enums import AVIS_FORM_LABELS, AvisForm, StepStatus
from models.types import pk

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


# Addresses of the workspace that an atelier's identifier must not take (/espace/<slug>).
RESERVED_SLUGS = frozenset({"nouvel-atelier", "agenda", "comptes"})  # workspace pages


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "atelier"


class AtelierDetails(BaseModel):
    """What the team may change of an atelier once it is open: what it is about, and the practical
    details the invitations and the mandat carry (None until the team knows them)."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[Text, Field(max_length=300)]
    commanditaire: Annotated[Text, Field(max_length=300)]
    question: Annotated[Text, Field(max_length=2000)]
    venue: Annotated[str, Field(max_length=500)] | None = None
    venue_departement: str | None = None
    venue_access: Annotated[str, Field(max_length=1000)] | None = None
    day_phone: Annotated[str, Field(max_length=40, pattern=r"^[0-9+ ().-]{6,40}$")] | None = None
    hotel: Annotated[str, Field(max_length=1000)] | None = None
    online_meeting_url: str | None = None
    copil_meeting_place: Annotated[str, Field(max_length=500)] | None = None
    indemnisation_per_day_eur: Annotated[int, Field(ge=0, le=500)] | None = None

    @field_validator("online_meeting_url", mode="before")
    @classmethod
    def _web_address(cls, value: Any) -> Any:
        # It becomes a link in every invitation: only a web address, never « javascript: » or « data: ».
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        url = str(value).strip()
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in url):
            raise InvalidValue("n'est pas une adresse web (attendu : https://…)")
        if len(url) > 500:
            raise InvalidValue("est trop longue (plus de 500 caractères)")
        return url

    @field_validator("venue_departement", mode="before")
    @classmethod
    def _known_departement(cls, value: Any) -> Any:
        # YAML reads 75 as a number and 01 as 1.
        if value is None:
            return None
        code = normalise_departement(str(value))
        if code is None:
            raise InvalidValue(f"n'est pas un département français (attendu : {DEPARTEMENT_HINT})")
        return code


class AtelierCreate(AtelierDetails):
    """What a project team gives to open an atelier (YAML file or command-line options)."""

    slug: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")] | None = None
    avis_form: AvisForm = AvisForm.PROPOSALS
    template: str = DEFAULT_TEMPLATE_KEY
    decision_date: date
    target_avis_date: date | None = None

    @field_validator("avis_form", mode="before")
    @classmethod
    def _accept_french_label(cls, value: Any) -> Any:
        if isinstance(value, str):
            for form, label in AVIS_FORM_LABELS.items():
                if value.strip().lower() == label.lower():
                    return form
        return value

    @field_validator("decision_date", "target_avis_date", mode="before")
    @classmethod
    def _only_iso_dates(cls, value: Any) -> Any:
        # pydantic would take an integer as a Unix timestamp: refuse anything but a date.
        if isinstance(value, int | float):
            raise InvalidValue("n'est pas une date valide (format attendu AAAA-MM-JJ)")
        return value


def get_atelier(*, session: Session, slug: str) -> Atelier:
    atelier = session.exec(select(Atelier).where(Atelier.slug == slug)).first()
    if atelier is None:
        raise NotFound(f"atelier inconnu : « {slug} »", f"unknown atelier {slug!r}")
    return atelier


def list_ateliers(*, session: Session) -> list[Atelier]:
    return list(session.exec(select(Atelier).order_by(col(Atelier.decision_date))).all())


def venue_calendar_of(atelier: Atelier) -> VenueCalendar:
    return VenueCalendar(atelier.venue_departement)


# Beyond these years the calendar arithmetic (holidays, weekends) means nothing for an atelier.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def check_decision_date(atelier_in: AtelierCreate, *, now: datetime, allow_past: bool) -> None:
    """A decision date in a sensible range, and not in the past unless said on purpose."""
    for label, day in (
        ("date de décision", atelier_in.decision_date),
        ("date cible de l'avis", atelier_in.target_avis_date),
    ):
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise Refused(
                f"{label} : « {day.isoformat()} » est hors de la période acceptée "
                f"({EARLIEST_YEAR}–{LATEST_YEAR})",
                f"{label} out of range",
            )
    today = now.astimezone(PARIS).date()
    if atelier_in.decision_date < today and not allow_past:
        raise Refused(
            f"la date de décision ({short_date(atelier_in.decision_date)}) est passée : "
            "pour reprendre un atelier déjà engagé, confirmez avec l'option --passe",
            "decision date in the past",
        )


def create_atelier(
    *, session: Session, atelier_in: AtelierCreate, now: datetime, allow_past: bool = False
) -> tuple[Atelier, Timeline]:
    """Write the atelier, its stages, steps (planned = forecast) and pending gates."""
    check_decision_date(atelier_in, now=now, allow_past=allow_past)
    try:
        template = get_template(atelier_in.template)
    except KeyError:
        raise NotFound(f"modèle inconnu : « {atelier_in.template} »", "unknown template") from None
    slug = atelier_in.slug or slugify(atelier_in.title)
    if slug in RESERVED_SLUGS:
        if atelier_in.slug:
            raise Refused(f"l'identifiant « {slug} » est réservé : choisissez-en un autre", "reserved slug")
        slug += "-atelier"
    if session.exec(select(Atelier.id).where(Atelier.slug == slug)).first() is not None:
        raise Refused(f"un atelier « {slug} » existe déjà", f"duplicate atelier slug {slug!r}")
    timeline = plan_timeline(
        template,
        atelier_in.decision_date,
        target=atelier_in.target_avis_date,
        venue=VenueCalendar(atelier_in.venue_departement),
    )
    atelier = Atelier(
        slug=slug,
        title=atelier_in.title,
        commanditaire=atelier_in.commanditaire,
        question=atelier_in.question,
        avis_form=atelier_in.avis_form,
        template_key=template.key,
        decision_date=atelier_in.decision_date,
        target_avis_date=timeline.target_avis_date,
        created_at=now,
        risk=timeline.risk.value,
        forecast_avis_at=timeline.avis_end,
        venue=atelier_in.venue,
        venue_departement=atelier_in.venue_departement,
        venue_access=atelier_in.venue_access,
        day_phone=atelier_in.day_phone,
        hotel=atelier_in.hotel,
        online_meeting_url=atelier_in.online_meeting_url,
        copil_meeting_place=atelier_in.copil_meeting_place,
        indemnisation_per_day_eur=atelier_in.indemnisation_per_day_eur,
    )
    session.add(atelier)
    session.flush()
    atelier_id = pk(atelier)
    stages: dict[str, Stage] = {}
    for position, stage_spec in enumerate(template.stages):
        stage = Stage(atelier_id=atelier_id, key=stage_spec.key, name=stage_spec.name, position=position)
        session.add(stage)
        stages[stage_spec.key] = stage
    session.flush()
    path = set(timeline.critical_path)
    for position, spec in enumerate(template.steps):
        dates = timeline.steps[spec.key]
        stage_id = pk(stages[spec.stage])
        step = Step(
            atelier_id=atelier_id,
            stage_id=stage_id,
            key=spec.key,
            name=spec.name,
            kind=spec.kind,
            position=position,
            depends_on=list(spec.after),
            planned_start=dates.start,
            planned_end=dates.end,
            forecast_start=dates.start,
            forecast_end=dates.end,
            on_critical_path=spec.key in path,
        )
        if spec.key == template.decision_step:
            # The decision to hold the atelier is the origin of the timeline: it happened.
            step.status = StepStatus.DONE
            step.actual_end = dates.end
        session.add(step)
        if spec.gate is not None:
            session.flush()
            quorum = template.quorum_of(spec.gate)
            session.add(
                Gate(
                    atelier_id=atelier_id,
                    step_id=pk(step),
                    key=spec.gate.key,
                    name=spec.gate.name,
                    decides=spec.gate.decides,
                    member_role=spec.gate.members.value,
                    quorum_rule=quorum.rule,
                    quorum_n=quorum.n,
                    due_at=gate_due_at(spec.kind, dates),
                )
            )
    record_event(
        session=session,
        atelier_id=atelier_id,
        actor="cli",
        kind="atelier_created",
        at=now,
        template=template.key,
        decision_date=atelier_in.decision_date.isoformat(),
        target_avis_date=timeline.target_avis_date.isoformat(),
        planned_avis_at=timeline.avis_end.isoformat(),
        risk=timeline.risk.value,
    )
    session.flush()
    return atelier, timeline
