"""Enumerations of the domain; their values are stored, their labels are shown (French)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    EXPERT = "expert"
    TRAINER = "trainer"
    COPIL_MEMBER = "copil_member"
    COMMANDITAIRE = "commanditaire"
    PROJECT_TEAM = "project_team"
    GARANT = "garant"
    # Citizens who volunteered for the comité de suivi (``CommitteeSeat``, never imported).
    FOLLOW_UP_COMMITTEE = "follow_up_committee"


ROLE_LABELS: dict[Role, str] = {
    Role.CITIZEN: "citoyen",
    Role.EXPERT: "expert",
    Role.TRAINER: "formateur",
    Role.COPIL_MEMBER: "membre du COPIL",
    Role.COMMANDITAIRE: "commanditaire",
    Role.PROJECT_TEAM: "équipe projet",
    Role.GARANT: "garant",
    Role.FOLLOW_UP_COMMITTEE: "membre du comité de suivi",
}
# The roles a person is given by the team (on import, on the people page); a seat on the comité de
# suivi is taken by the citizen themself.
ASSIGNABLE_ROLES = tuple(r for r in Role if r is not Role.FOLLOW_UP_COMMITTEE)

# Accepted spellings on the command line and in CSV files (French or English).
ROLE_ALIASES: dict[str, Role] = {
    **{r.value: r for r in ASSIGNABLE_ROLES},
    **{ROLE_LABELS[r].lower(): r for r in ASSIGNABLE_ROLES},
    "citoyen": Role.CITIZEN,
    "citoyenne": Role.CITIZEN,
    "formateur": Role.TRAINER,
    "formatrice": Role.TRAINER,
    "copil": Role.COPIL_MEMBER,
    "equipe": Role.PROJECT_TEAM,
    "équipe": Role.PROJECT_TEAM,
    "equipe_projet": Role.PROJECT_TEAM,
    "intervenant": Role.EXPERT,
}


class AvisForm(StrEnum):
    """The form of the avis, fixed beforehand by the commanditaire (seed 001)."""

    OPINION_ON_PROJECT = "opinion_on_project"
    POSITION_VALIDATION = "position_validation"
    CHOICE_BETWEEN_ALTERNATIVES = "choice_between_alternatives"
    PROPOSALS = "proposals"
    PRINCIPLES_OF_ACTION = "principles_of_action"


AVIS_FORM_LABELS: dict[AvisForm, str] = {
    AvisForm.OPINION_ON_PROJECT: "avis sur un projet",
    AvisForm.POSITION_VALIDATION: "(in)validation d'une position",
    AvisForm.CHOICE_BETWEEN_ALTERNATIVES: "choix entre plusieurs alternatives",
    AvisForm.PROPOSALS: "propositions de solutions",
    AvisForm.PRINCIPLES_OF_ACTION: "principes d'action d'une politique publique",
}


class StepKind(StrEnum):
    TASK = "task"  # work with a deadline
    MEETING = "meeting"  # an in-person or visio meeting on a working day
    DECISION = "decision"  # a decision taken remotely (links)
    WEEKEND = "weekend"  # Saturday 10:00 – Sunday 17:00
    ONLINE_SESSION = "online_session"  # 60–90 minutes, weekday evening
    MILESTONE = "milestone"  # an instant (decision date, avis handover)


class StageStatus(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    DONE = "done"


class StepStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"  # an event called off (an online session); counts as settled


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"  # no longer wanted (date moved, person answered, gate decided)
    FAILED = "failed"  # gave up after retries; the team was alerted


class Answer(StrEnum):
    CONFIRM = "confirm"
    DECLINE = "decline"


class QuorumRule(StrEnum):
    N_OF_M = "n_of_m"
    MAJORITY = "majority"
    UNANIMITY = "unanimity"


class GateStatus(StrEnum):
    PENDING = "pending"  # not asked yet
    OPEN = "open"  # asked, waiting for decisions
    SENT_BACK = "sent_back"  # closed for this round; the stage reworks and asks again
    APPROVED = "approved"
    REJECTED = "rejected"


class DecisionOutcome(StrEnum):
    APPROVE = "approve"
    SEND_BACK = "send_back"
    REJECT = "reject"


OUTCOME_LABELS: dict[DecisionOutcome, str] = {
    DecisionOutcome.APPROVE: "approuvé",
    DecisionOutcome.SEND_BACK: "renvoyé pour reprise",
    DecisionOutcome.REJECT: "rejeté",
}

OUTCOME_ALIASES: dict[str, DecisionOutcome] = {
    **{o.value: o for o in DecisionOutcome},
    "approuver": DecisionOutcome.APPROVE,
    "approuve": DecisionOutcome.APPROVE,
    "renvoyer": DecisionOutcome.SEND_BACK,
    "renvoi": DecisionOutcome.SEND_BACK,
    "rejeter": DecisionOutcome.REJECT,
    "rejet": DecisionOutcome.REJECT,
}


class DecisionChannel(StrEnum):
    LINK = "link"  # signed link sent by e-mail
    MEETING = "meeting"  # taken in a COPIL meeting, recorded by the team from the CLI
    CLI = "cli"
    SIMULATION = "simulation"  # the demo's simulated members
    WORKSPACE = "workspace"  # a signed-in member, from the workspace


CHANNEL_LABELS: dict[DecisionChannel, str] = {
    DecisionChannel.LINK: "lien reçu par e-mail",
    DecisionChannel.MEETING: "réunion",
    DecisionChannel.CLI: "ligne de commande",
    DecisionChannel.SIMULATION: "simulation (démonstration)",
    DecisionChannel.WORKSPACE: "espace de travail",
}


class VolunteerStatus(StrEnum):
    """Where a volunteer of the pool stands in the lottery."""

    POOL = "pool"  # registered; the draw has not happened
    SET_ASIDE = "set_aside"  # another registration of the same household came first (a setting)
    SELECTED = "selected"  # drawn, or approved as a replacement: a citizen of the atelier
    RESERVE = "reserve"  # not drawn, on the ordered reserve list
    NOT_SELECTED = "not_selected"
    WITHDRAWN = "withdrawn"  # selected, then declined or did not confirm, and replaced


# Why a citizen drops out, and how their replacement was found (the replacements' own words).
DROPOUT_REASON_LABELS = {"declined": "a décliné l'invitation", "no_answer": "n'a pas confirmé dans le délai"}
REPLACEMENT_METHOD_LABELS = {
    "reserve": "liste de réserve",
    "resolved": "nouveau tirage parmi le vivier, le reste du panel fixé",
    "none": "personne dans le vivier ne respecte les quotas",
}


class ReplacementStatus(StrEnum):
    PROPOSED = "proposed"  # waiting for the team
    APPROVED = "approved"  # the replacement was invited
    WITHDRAWN = "withdrawn"  # no longer needed (the person confirmed after all)


class AnswerStatus(StrEnum):
    """The commanditaire's answer to one proposal of the avis (issue 11)."""

    RETAINED = "retenue"
    PARTLY_RETAINED = "retenue_en_partie"
    UNDER_STUDY = "a_l_etude"
    NOT_RETAINED = "non_retenue"


class GroupPosition(StrEnum):
    """Where the group stood on a proposal: agreed by all, or a dissensus recorded."""

    CONSENSUS = "consensus"
    DISSENSUS = "dissensus"


class ImplementationState(StrEnum):
    """Where the carrying out of a proposal stands, in a follow-up update."""

    PLANNED = "a_venir"
    IN_PROGRESS = "en_cours"
    DONE = "realisee"
    ABANDONED = "abandonnee"
