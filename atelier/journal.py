"""The journal as a civil servant reads it: each event kind's name, and each event as a French
sentence, with names of people, steps and decisions, and French dates (never a code name, an id
or an ISO timestamp). Pure: the names are given by the caller."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from atelier.french import count
from atelier.i18n import long_date
from atelier.planning.timeline import RISK_LABELS, Risk
from models.enums import (
    CHANNEL_LABELS,
    DROPOUT_REASON_LABELS,
    OUTCOME_LABELS,
    REPLACEMENT_METHOD_LABELS,
    ROLE_LABELS,
    DecisionChannel,
    DecisionOutcome,
    Role,
)

KIND_LABELS = {
    "atelier_created": "atelier créé",
    "atelier_updated": "atelier modifié",
    "atelier_completed": "atelier terminé",
    "advance_failed": "atelier bloqué",
    "advance_recovered": "atelier débloqué",
    "stage_opened": "phase ouverte",
    "stage_closed": "phase close",
    "step_done": "étape faite",
    "forecast_moved": "prévision déplacée",
    "avis_at_risk": "date de l'avis menacée",
    "risk_changed": "risque sur l'avis réévalué",
    "event_cancelled": "rendez-vous annulé",
    "event_rescheduled": "rendez-vous déplacé par l'équipe",
    "person_added": "personne ajoutée",
    "person_updated": "personne modifiée",
    "person_removed": "personne retirée",
    "person_roles_changed": "rôles modifiés",
    "gate_opened": "décision soumise",
    "gate_asked_again": "décision soumise à nouveau",
    "gate_decision": "décision d'un membre",
    "gate_approved": "décision approuvée",
    "gate_rejected": "décision rejetée",
    "gate_sent_back": "décision renvoyée pour reprise",
    "gate_revised": "version révisée enregistrée",
    "document_attached": "document joint",
    "invitation_answer": "réponse à l'invitation",
    "link_refused": "lien refusé",
    "message_resent": "message renvoyé",
    "sending_suspended": "envois suspendus",
    "sending_resumed": "envois repris",
    "pool_imported": "volontaires importés",
    "quotas_set": "quotas enregistrés",
    "panel_settings": "règles du tirage modifiées",
    "panel_drawn": "tirage effectué",
    "panel_seal_requested": "scellement du tirage demandé",
    "panel_seal_failed": "scellement du tirage sans résultat",
    "panel_seal_withdrawn": "scellement du tirage annulé",
    "panel_sealed": "tirage scellé",
    "replacement_proposed": "remplacement proposé",
    "replacement_approved": "remplacement approuvé",
    "avis_recorded": "avis enregistré",
    "avis_published": "avis publié",
    "answers_recorded": "réponses du commanditaire enregistrées",
    "answers_published": "réponses publiées",
    "answers_marked": "réponses appréciées par le comité de suivi",
    "committee_joined": "entrée au comité de suivi",
    "committee_left": "départ du comité de suivi",
    "follow_up_update": "point d'étape du droit de suite",
    "follow_up_stopped": "désinscription du droit de suite",
    "evaluation_answered": "questionnaire d'évaluation rempli",
}
# Events of no atelier (accounts, sign-in, calendar feeds): kept in the log, never in a journal.
UNSCOPED_KINDS = frozenset(
    {"account_added", "account_disabled", "account_enabled", "signed_in", "calendar_feed_created"}
)

FIELD_LABELS = {
    "title": "titre",
    "commanditaire": "commanditaire",
    "question": "question posée",
    "venue": "lieu",
    "venue_departement": "département du lieu",
    "venue_access": "accès au lieu",
    "day_phone": "téléphone du jour",
    "hotel": "hôtel",
    "online_meeting_url": "adresse des séances en ligne",
    "copil_meeting_place": "lieu des réunions du COPIL",
    "indemnisation_per_day_eur": "indemnité journalière",
    "full_name": "nom",
    "email": "adresse e-mail",
    "organisation": "organisation",
}
ANSWER_LABELS = {"confirm": "confirme sa participation", "decline": "décline l'invitation"}
ACTOR_LABELS = {
    "engine": "moteur",
    "cli": "ligne de commande",
    "team": "équipe projet",
    "anonymous": "inconnu",
}


@dataclass(frozen=True)
class Names:
    """What the sentences name: people by actor key (« person:12 »), steps, stages, decisions."""

    people: Mapping[str, str] = field(default_factory=dict)
    steps: Mapping[str, str] = field(default_factory=dict)
    stages: Mapping[str, str] = field(default_factory=dict)
    gates: Mapping[str, str] = field(default_factory=dict)
    templates: Mapping[str, str] = field(default_factory=dict)

    def person(self, value: Any) -> str:
        key = value if isinstance(value, str) else f"person:{value}"
        return self.people.get(key, "une personne retirée depuis")

    def actor(self, actor: str) -> str:
        return self.people.get(actor) or ACTOR_LABELS.get(actor, "inconnu")


def _label(labels: Mapping[Any, str], enum: type[StrEnum], value: Any, unknown: str = "?") -> str:
    return labels[enum(value)] if value in enum._value2member_map_ else unknown


@dataclass(frozen=True)
class _Detail:
    """An event's detail, read in French."""

    d: Mapping[str, Any]
    names: Names

    def get(self, key: str, default: Any = None) -> Any:
        return self.d.get(key, default)

    def count(self, key: str, singular: str, plural_form: str | None = None) -> str:
        return count(int(self.d.get(key) or 0), singular, plural_form)

    def date(self, key: str) -> str:
        """A French date; a missing or unreadable one makes the sentence fall back to the label."""
        return long_date(datetime.fromisoformat(str(self.d[key])))

    def fields(self) -> str:
        return ", ".join(FIELD_LABELS.get(v, v) for v in self.d.get("fields") or []) or "aucun champ"

    def roles(self, key: str = "roles") -> str:
        labels = [_label(ROLE_LABELS, Role, v, "") for v in self.d.get(key) or []]
        return ", ".join(label for label in labels if label) or "sans rôle"

    @property
    def person(self) -> str:
        return self.names.person(self.d.get("person_id"))

    @property
    def step(self) -> str:
        return f"« {self.names.steps.get(self.d.get('step', ''), 'étape')} »"

    @property
    def stage(self) -> str:
        return f"« {self.names.stages.get(self.d.get('stage', ''), 'phase')} »"

    @property
    def gate(self) -> str:
        return f"« {self.names.gates.get(self.d.get('gate', ''), 'décision')} »"

    @property
    def reason(self) -> str:
        return f" Motif : {self.d['reason']}." if self.d.get("reason") else ""

    @property
    def late(self) -> str:
        return " (après la date attendue)" if self.d.get("late") else ""

    @property
    def margin(self) -> str:
        return f"avis prévu le {self.date('forecast_avis_at')}, {self.count('slack_days', 'jour')} de marge"


def _decision(e: _Detail) -> str:
    text = f"{e.gate} : {_label(OUTCOME_LABELS, DecisionOutcome, e.get('outcome'))}"
    text += f" ({_label(CHANNEL_LABELS, DecisionChannel, e.get('channel'))})"
    if e.get("entered_by"):
        text += f", saisi par {e.names.person(e.get('entered_by'))}"
    return text + (f". Commentaire : {e.get('comment')}" if e.get("comment") else ".")


def _replacement(e: _Detail) -> str:
    dropped = f"{e.get('dropped', '?')} {DROPOUT_REASON_LABELS.get(e.get('reason', ''), 'se retire')}"
    method = REPLACEMENT_METHOD_LABELS.get(e.get("method", ""), "")
    if e.get("replacement"):
        return f"{dropped} ; remplacement proposé : {e.get('replacement')} ({method})."
    return f"{dropped} ; aucun remplacement possible : {method or 'personne dans le vivier'}."


def _panel_settings(e: _Detail) -> str:
    household = "une personne par foyer" if e.get("one_per_household") else "plusieurs personnes par foyer"
    approval = "automatiquement" if e.get("auto_approve_replacements") else "par l'équipe"
    return f"Règles du tirage : {household}, remplacements approuvés {approval}."


def _link_refused(e: _Detail) -> str:
    times = f" ({e.count('count', 'fois', 'fois')} ce jour-là)" if e.get("count") else ""
    return f"Lien refusé{times} : {e.get('reason', 'motif inconnu')}."


SENTENCES: dict[str, Callable[[_Detail], str]] = {
    "atelier_created": lambda e: (
        f"Atelier créé sur le modèle « {e.names.templates.get(e.get('template', ''), 'inconnu')} » ; "
        f"décision du commanditaire le {e.date('decision_date')}, avis prévu le {e.date('planned_avis_at')}."
    ),
    "atelier_updated": lambda e: (
        f"Informations de l'atelier modifiées : {e.fields()} ; "
        + e.count("messages_rewritten", "message programmé réécrit", "messages programmés réécrits")
        + "."
    ),
    "atelier_completed": lambda e: "L'atelier est terminé : toutes ses phases sont closes.",
    "advance_failed": lambda e: f"L'atelier ne peut plus avancer : {e.get('cause', 'cause inconnue')}.",
    "advance_recovered": lambda e: "L'atelier avance de nouveau.",
    "stage_opened": lambda e: f"Phase {e.stage} ouverte.",
    "stage_closed": lambda e: f"Phase {e.stage} close.",
    "step_done": lambda e: (
        f"Étape {e.step} faite le {e.date('done_at')} (prévue au plus tard le {e.date('planned_end')})."
    ),
    "forecast_moved": lambda e: (
        f"Prévision de {e.step} déplacée du {e.date('old_start')} au {e.date('new_start')}."
    ),
    "avis_at_risk": lambda e: f"La date de l'avis est menacée : {e.margin}.",
    "risk_changed": lambda e: (
        f"Risque sur l'avis : {_label(RISK_LABELS, Risk, e.get('old_risk'))} → "
        f"{_label(RISK_LABELS, Risk, e.get('new_risk'))} ; {e.margin}."
    ),
    "event_cancelled": lambda e: f"Annulation de {e.step}.{e.reason}",
    "event_rescheduled": lambda e: (
        f"Déplacement de {e.step} du {e.date('old_start')} au {e.date('new_start')}.{e.reason}"
    ),
    "person_added": lambda e: f"Ajout de {e.person} : {e.roles()}.",
    "person_updated": lambda e: f"Coordonnées de {e.person} corrigées : {e.fields()}.",
    "person_removed": lambda e: f"Retrait de {e.person} de l'atelier.",
    "person_roles_changed": lambda e: (
        f"Rôles de {e.person} modifiés"
        + (f" ; ajout : {e.roles('added')}" if e.get("added") else "")
        + (f" ; retrait : {e.roles('removed')}" if e.get("removed") else "")
        + "."
    ),
    "gate_opened": lambda e: (
        f"Décision {e.gate} soumise aux membres (tour {e.get('round')}), "
        f"réponse attendue le {e.date('due_at')}."
    ),
    "gate_asked_again": lambda e: (
        f"Décision {e.gate} soumise à nouveau (tour {e.get('round')}), "
        f"réponse attendue le {e.date('due_at')}."
    ),
    "gate_decision": _decision,
    "gate_approved": lambda e: f"Décision {e.gate} approuvée{e.late}.",
    "gate_rejected": lambda e: f"Décision {e.gate} rejetée{e.late} : l'atelier s'arrête.",
    "gate_sent_back": lambda e: f"Décision {e.gate} renvoyée pour reprise{e.late}.",
    "gate_revised": lambda e: (
        f"Version révisée de {e.gate} enregistrée ; réponse attendue le {e.date('due_at')}."
    ),
    "document_attached": lambda e: f"Document joint à {e.gate} (tour {e.get('round')}).",
    "invitation_answer": lambda e: (
        f"Réponse à l'invitation : {ANSWER_LABELS.get(e.get('answer', ''), 'inconnue')}."
    ),
    "link_refused": _link_refused,
    "message_resent": lambda e: "Message en échec renvoyé.",
    "sending_suspended": lambda e: "Envois suspendus : aucun message ne part jusqu'à leur reprise.",
    "sending_resumed": lambda e: "Envois repris.",
    "pool_imported": lambda e: (
        f"Volontaires importés : {e.count('added', 'ajouté')}, {e.count('set_aside', 'écarté')} "
        f"(même foyer), {e.count('duplicates', 'doublon')}, "
        f"{e.count('without_consent', 'sans consentement', 'sans consentement')}."
    ),
    "quotas_set": lambda e: f"Quotas de l'échantillon enregistrés ({e.count('quotas', 'quota')}).",
    "panel_settings": _panel_settings,
    "panel_drawn": lambda e: (
        f"Tirage effectué : {e.count('panel', 'citoyen tiré', 'citoyens tirés')} au sort, "
        f"{e.count('reserves', 'réserviste')}."
    ),
    "panel_seal_requested": lambda e: (
        f"Scellement du tirage demandé : panel de {e.count('size', 'personne')}, calcul par "
        f"{str(e.get('algorithm', 'maximin')).upper()}."
    ),
    "panel_seal_failed": lambda e: (
        f"Le scellement demandé n'a pas abouti : {e.get('reason', 'raison inconnue')}."
    ),
    "panel_seal_withdrawn": lambda e: "Scellement du tirage annulé avant sa fin.",
    "panel_sealed": lambda e: (
        f"Tirage scellé : {e.count('size', 'place')} parmi {e.count('pool', 'volontaire')} ; "
        "engagement publié."
    ),
    "replacement_proposed": _replacement,
    "replacement_approved": lambda e: (
        f"Remplacement de {e.get('dropped', '?')} par {e.get('replacement', '?')} approuvé."
    ),
    "avis_recorded": lambda e: (
        f"Avis enregistré, à publier (version {e.get('version')}, {e.count('proposals', 'proposition')})."
    ),
    "avis_published": lambda e: (
        f"Avis publié (version {e.get('version')}) : il paraît dans le compte rendu public."
    ),
    "answers_recorded": lambda e: (
        f"Réponses du commanditaire enregistrées ({e.count('answers', 'réponse')})."
    ),
    "answers_published": lambda e: f"{e.count('answers', 'réponse publiée', 'réponses publiées')}.",
    "answers_marked": lambda e: f"{e.count('marks', 'appréciation')} du comité de suivi.",
    "committee_joined": lambda e: "Entrée au comité de suivi.",
    "committee_left": lambda e: "Départ du comité de suivi.",
    "follow_up_update": lambda e: f"Point d'étape n° {e.get('number')} du droit de suite publié.",
    "follow_up_stopped": lambda e: "Ne souhaite plus recevoir les nouvelles du droit de suite.",
    "evaluation_answered": lambda e: (
        f"Questionnaire d'évaluation rempli ({e.count('questions', 'question')})."
    ),
}


def sentence(kind: str, detail: Mapping[str, Any], names: Names) -> str:
    """The event in one French sentence; a kind this version does not know keeps its label."""
    write = SENTENCES.get(kind)
    fallback = KIND_LABELS.get(kind, "événement").capitalize() + "."
    if write is None:
        return fallback
    try:
        return write(_Detail(detail, names))
    except (KeyError, TypeError, ValueError):
        # An old event may lack or spell differently a detail this version reads.
        return fallback
