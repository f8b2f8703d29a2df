"""Process templates: the shape of a démarche as validated data, not code."""

from __future__ import annotations

import os
import re
from datetime import time
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Protocol, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.enums import QuorumRule, Role, StepKind

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_hhmm(value: object) -> object:
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value):
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    return value


class EventHours(_Strict):
    """Start time and length of a kind of event (Paris local time)."""

    start: time
    minutes: int = Field(gt=0, le=24 * 60)

    _parse_start = field_validator("start", mode="before")(_parse_hhmm)


class WeekendHours(_Strict):
    """A weekend runs from Saturday ``start`` to Sunday ``end`` (seed 002: 10:00 – 17:00)."""

    start: time
    end: time

    _parse = field_validator("start", "end", mode="before")(_parse_hhmm)


class QuorumSpec(_Strict):
    rule: QuorumRule
    n: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _n_only_for_n_of_m(self) -> Self:
        if self.rule is QuorumRule.N_OF_M and self.n is None:
            raise ValueError("quorum n_of_m needs n")
        if self.rule is not QuorumRule.N_OF_M and self.n is not None:
            raise ValueError(f"quorum {self.rule.value} takes no n")
        return self


class GateSpec(_Strict):
    key: Key
    name: str
    decides: str
    members: Role = Role.COPIL_MEMBER
    quorum: QuorumSpec | None = None  # None: the template's default quorum
    # Ask its members this many days before it is due, a meeting's start or a task's end (None: as
    # soon as the step is ready).
    ask_days_before: int | None = Field(default=None, ge=0, le=60)
    # After a send back, members decide on the revised version within this many days.
    revised_decision_days: int = Field(default=7, ge=1, le=60)


class StageSpec(_Strict):
    """A stage of the lifecycle. It may run once every stage in ``after`` has opened (by default the
    one before it in the template); its flow run is named « <slug> · <run_name> »."""

    key: Key
    name: str
    after: list[Key] | None = None
    run_name: str | None = Field(default=None, min_length=1, max_length=80)

    @property
    def title(self) -> str:
        """The flow run's name after the atelier's slug."""
        return self.run_name or self.name.lower()


class StepSpec(_Strict):
    key: Key
    name: str
    stage: Key
    kind: StepKind
    agenda: list[str] = Field(default_factory=list)  # shown in practical details
    # Dependencies with the minimum lag in days after each one ends.
    after: dict[Key, int] = Field(default_factory=dict)
    duration_days: int = Field(default=0, ge=0)
    gate: GateSpec | None = None
    # Done only with the address where its result is published (notices link to it).
    public_link: bool = False

    @field_validator("after")
    @classmethod
    def _lags_not_negative(cls, value: dict[str, int]) -> dict[str, int]:
        for dep, lag in value.items():
            if lag < 0:
                raise ValueError(f"negative lag after {dep}")
        return value


class MessageTrigger(StrEnum):
    STEP_DONE = "step_done"  # once, when ``step`` is done (+ delay_days)
    EVENT_INVITATION = "event_invitation"  # a calendar invite per event, again when it moves
    BEFORE_EVENT = "before_event"  # ``days`` before each of ``events``, at ``at``
    NO_ANSWER = "no_answer"  # ``days`` after the invitation while the person has not answered
    GATE_OPENED = "gate_opened"  # the decision request, at each round of a gate
    GATE_REMINDER = "gate_reminder"  # every ``every_days`` to members who have not decided
    GATE_ESCALATION = "gate_escalation"  # to the team when a gate passes its due date
    GATE_SENT_BACK = "gate_sent_back"  # to the team: record the revised version of a sent-back gate
    RISK_ALERT = "risk_alert"  # to the team when the avis date is at risk
    NO_EVALUATION = "no_evaluation"  # ``days`` after ``step`` is done, to who has not answered the survey
    ADDED = "added"  # once to each person given a role of ``audience`` (after ``from_step``, if any)


class MessageRule(_Strict):
    """When to send which message to whom: data, read by the message planner."""

    key: Key
    trigger: MessageTrigger
    kind: Key  # the template, notifications/templates/<kind>.html
    audience: list[Role] = Field(default_factory=list)
    step: Key | None = None
    from_step: Key | None = None  # the audience is contacted once this step is done
    events: list[Key] = Field(default_factory=list)
    days: list[int] = Field(default_factory=list)
    every_days: int | None = Field(default=None, ge=1)
    delay_days: int = Field(default=0, ge=0)
    at: time | None = None
    # The step whose date the message mentions (materials deadline, restitution date).
    refers_to: Key | None = None
    # A message whose date falls before its audience could be contacted is sent at that
    # moment (practical details) rather than dropped (a reminder made pointless).
    catch_up: bool = False
    # For calendar invites: a moved event is re-announced this long after its last move.
    settle_minutes: int = Field(default=10, ge=0, le=24 * 60)
    # Citizens drawn by lot are contacted from their selection (to confirm before COPIL n°3),
    # not from ``step``/``from_step``; citizens typed in by hand keep the step's date.
    from_selection: bool = False

    _parse_at = field_validator("at", mode="before")(_parse_hhmm)

    @model_validator(mode="after")
    def _fields_for_trigger(self) -> Self:
        needs_audience = {
            MessageTrigger.STEP_DONE,
            MessageTrigger.EVENT_INVITATION,
            MessageTrigger.BEFORE_EVENT,
            MessageTrigger.NO_ANSWER,
            MessageTrigger.NO_EVALUATION,
            MessageTrigger.ADDED,
        }
        if self.trigger in needs_audience and not self.audience:
            raise ValueError(f"message rule {self.key}: audience required")
        if self.trigger in (MessageTrigger.STEP_DONE, MessageTrigger.NO_EVALUATION) and not self.step:
            raise ValueError(f"message rule {self.key}: step required")
        if self.trigger in (MessageTrigger.EVENT_INVITATION, MessageTrigger.BEFORE_EVENT) and not self.events:
            raise ValueError(f"message rule {self.key}: events required")
        if self.trigger in (MessageTrigger.BEFORE_EVENT, MessageTrigger.NO_ANSWER) and not self.days:
            raise ValueError(f"message rule {self.key}: days required")
        if self.trigger is MessageTrigger.GATE_REMINDER and not self.every_days:
            raise ValueError(f"message rule {self.key}: every_days required")
        return self


class RecruitmentSpec(_Strict):
    """Recruitment by lot (atelier/panel): the gate that approves the quotas, the task the draw
    happens in (the pool is thanked when it is done), the gate that validates the final panel
    (its page shows the panel and every replacement), the days a selected citizen has to confirm."""

    quotas_gate: Key
    step: Key
    panel_gate: Key | None = None
    confirm_days: int = Field(default=8, ge=1, le=60)


class CommitteeSpec(_Strict):
    """The citizens' comité de suivi (optional): once ``call_after`` is done the citizens are asked
    to volunteer, up to ``seats``; its ``meetings`` are meeting steps, with invitations and
    reminders as message rules for the role ``follow_up_committee``."""

    seats: int = Field(ge=1, le=50)
    call_after: Key
    meetings: list[Key] = Field(min_length=1)


class FollowUpSpec(_Strict):
    """The droit de suite: the step in which the commanditaire answers (the mandat states its
    delay), and the days after which the team is reminded of a proposal « à l'étude » that has
    had no news (a follow-up step or a new answer)."""

    answer_step: Key | None = None
    stale_days: int = Field(default=60, ge=7, le=365)
    committee: CommitteeSpec | None = None


class EvaluationQuestion(_Strict):
    """One question of the evaluation survey: asked to ``audience``, answered by one of ``choices``
    (in order, from the least to the most favourable)."""

    key: Key
    audience: list[Role] = Field(min_length=1)
    text: str = Field(min_length=1, max_length=300)
    choices: list[str] = Field(min_length=2, max_length=7)


class EvaluationSpec(_Strict):
    """The evaluation of the démarche (seed 004, fiche 4 of part 03): its questions are asked once
    ``after`` is done (a message rule sends the link) and answered until ``step`` is done."""

    step: Key
    after: Key
    questions: list[EvaluationQuestion] = Field(min_length=1)

    def questions_for(self, roles: frozenset[Role] | set[Role]) -> list[EvaluationQuestion]:
        return [q for q in self.questions if set(q.audience) & roles]

    @property
    def audience(self) -> frozenset[Role]:
        return frozenset(r for q in self.questions for r in q.audience)


class ProcessTemplate(_Strict):
    key: Key
    name: str
    description: str = ""
    horizon_months: int = Field(ge=1, le=36)
    citizens: int = Field(ge=1)
    weekends: int = Field(ge=1)
    online_sessions: int = Field(ge=0)
    weekend_hours: WeekendHours
    meeting_hours: EventHours
    online_session_hours: EventHours
    task_deadline: time = time(18, 0)
    default_quorum: QuorumSpec
    decision_step: Key
    avis_step: Key
    stages: list[StageSpec] = Field(min_length=1)
    steps: list[StepSpec] = Field(min_length=1)
    messages: list[MessageRule] = Field(default_factory=list)
    recruitment: RecruitmentSpec | None = None
    follow_up: FollowUpSpec = FollowUpSpec()
    evaluation: EvaluationSpec | None = None

    _parse_deadline = field_validator("task_deadline", mode="before")(_parse_hhmm)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        stage_keys = [s.key for s in self.stages]
        if len(set(stage_keys)) != len(stage_keys):
            raise ValueError("duplicate stage key")
        for index, stage in enumerate(self.stages):
            for before in stage.after or []:
                # Only earlier stages: the lifecycle takes stages in order, and no cycle can form.
                if before not in stage_keys[:index]:
                    raise ValueError(f"stage {stage.key}: after {before}, which is not an earlier stage")
        step_keys = [s.key for s in self.steps]
        duplicates = {k for k in step_keys if step_keys.count(k) > 1}
        if duplicates:
            raise ValueError(f"duplicate step keys: {sorted(duplicates)}")
        gate_keys = [s.gate.key for s in self.steps if s.gate]
        if len(set(gate_keys)) != len(gate_keys):
            raise ValueError("duplicate gate key")
        known = set(step_keys)
        kinds_of = {s.key: s.kind for s in self.steps}
        for step in self.steps:
            if step.stage not in stage_keys:
                raise ValueError(f"step {step.key}: unknown stage {step.stage}")
            for dep in step.after:
                if dep not in known:
                    raise ValueError(f"step {step.key}: unknown dependency {dep}")
        if self.follow_up.answer_step is not None and self.follow_up.answer_step not in known:
            raise ValueError(f"follow_up: unknown step {self.follow_up.answer_step}")
        committee = self.follow_up.committee
        if committee is not None:
            for key in (committee.call_after, *committee.meetings):
                if key not in known:
                    raise ValueError(f"follow_up.committee: unknown step {key}")
            if any(kinds_of[m] is not StepKind.MEETING for m in committee.meetings):
                raise ValueError("follow_up.committee: its meetings must be meeting steps")
        if self.evaluation is not None:
            for key in (self.evaluation.step, self.evaluation.after):
                if key not in known:
                    raise ValueError(f"evaluation: unknown step {key}")
            question_keys = [q.key for q in self.evaluation.questions]
            if len(set(question_keys)) != len(question_keys):
                raise ValueError("evaluation: duplicate question key")
        if self.recruitment is not None:
            if self.recruitment.step not in known:
                raise ValueError(f"recruitment: unknown step {self.recruitment.step}")
            for gate in (self.recruitment.quotas_gate, self.recruitment.panel_gate):
                if gate is not None and gate not in gate_keys:
                    raise ValueError(f"recruitment: unknown gate {gate}")
        for key in (self.decision_step, self.avis_step):
            if key not in known:
                raise ValueError(f"unknown step {key}")
        self.topological_order()  # raises on a cycle
        event_kinds = {StepKind.WEEKEND, StepKind.MEETING, StepKind.ONLINE_SESSION}
        rule_keys = [m.key for m in self.messages]
        if len(set(rule_keys)) != len(rule_keys):
            raise ValueError("duplicate message rule key")
        for rule in self.messages:
            for ref in (rule.step, rule.from_step, rule.refers_to, *rule.events):
                if ref is not None and ref not in known:
                    raise ValueError(f"message rule {rule.key}: unknown step {ref}")
            for event in rule.events:
                if kinds_of[event] not in event_kinds:
                    raise ValueError(f"message rule {rule.key}: {event} is not an event")
        weekends = sum(1 for s in self.steps if s.kind is StepKind.WEEKEND)
        if weekends != self.weekends:
            raise ValueError(f"{weekends} weekend steps, template says {self.weekends}")
        sessions = sum(1 for s in self.steps if s.kind is StepKind.ONLINE_SESSION)
        if sessions < self.online_sessions:
            raise ValueError(f"{sessions} online sessions, template says {self.online_sessions}")
        return self

    def topological_order(self) -> list[StepSpec]:
        """Steps ordered so that each comes after its dependencies (stable on file order)."""
        by_key = {s.key: s for s in self.steps}
        done: set[str] = set()
        order: list[StepSpec] = []
        visiting: set[str] = set()

        def visit(key: str) -> None:
            if key in done:
                return
            if key in visiting:
                raise ValueError(f"dependency cycle through {key}")
            visiting.add(key)
            for dep in by_key[key].after:
                visit(dep)
            visiting.discard(key)
            done.add(key)
            order.append(by_key[key])

        for step in self.steps:
            visit(step.key)
        return order

    def stage_after(self, key: str) -> list[str]:
        """The stages that must have opened before stage ``key`` may run."""
        keys = [s.key for s in self.stages]
        spec = self.stages[keys.index(key)]
        if spec.after is not None:
            return list(spec.after)
        return keys[keys.index(key) - 1 : keys.index(key)]

    def step(self, key: str) -> StepSpec:
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    def quorum_of(self, gate: GateSpec) -> QuorumSpec:
        return gate.quorum or self.default_quorum


TEMPLATES_DIR = "templates"
# An instance's own templates: YAML files in this folder, beside the built-in ones (same key: theirs).
TEMPLATES_DIR_VARIABLE = "ATELIER_TEMPLATES_DIR"


def load_template_file(path: Path) -> ProcessTemplate:
    return ProcessTemplate.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def builtin_templates() -> dict[str, ProcessTemplate]:
    """The templates shipped with the engine, by key."""
    folder = resources.files("atelier.planning") / TEMPLATES_DIR
    found: dict[str, ProcessTemplate] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            template = ProcessTemplate.model_validate(yaml.safe_load(entry.read_text("utf-8")))
            found[template.key] = template
    return found


@cache
def _templates_with(folder: str | None) -> dict[str, ProcessTemplate]:
    """The built-in templates and those of ``folder``, merged once per folder (read at every advance)."""
    own = (load_template_file(path) for path in sorted(Path(folder).glob("*.yaml"))) if folder else ()
    return {**builtin_templates(), **{template.key: template for template in own}}


def available_templates() -> dict[str, ProcessTemplate]:
    """The built-in templates and the instance's own (the folder ``ATELIER_TEMPLATES_DIR`` names)."""
    return _templates_with(os.environ.get(TEMPLATES_DIR_VARIABLE))


DEFAULT_TEMPLATE_KEY = "atelier_citoyen"


def get_template(key: str) -> ProcessTemplate:
    templates = available_templates()
    if key not in templates:
        raise KeyError(key)
    return templates[key]


class OnTemplate(Protocol):
    """Anything created from a template (an atelier)."""

    @property
    def template_key(self) -> str: ...


def template_of(atelier: OnTemplate) -> ProcessTemplate:
    return get_template(atelier.template_key)
