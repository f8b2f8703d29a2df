"""Process templates: the shape of a démarche as validated data, not code."""

from __future__ import annotations

import re
from datetime import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Self

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


class StageSpec(_Strict):
    key: Key
    name: str


class StepSpec(_Strict):
    key: Key
    name: str
    stage: Key
    kind: StepKind
    # Dependencies with the minimum lag in days after each one ends.
    after: dict[Key, int] = Field(default_factory=dict)
    duration_days: int = Field(default=0, ge=0)
    gate: GateSpec | None = None

    @field_validator("after")
    @classmethod
    def _lags_not_negative(cls, value: dict[str, int]) -> dict[str, int]:
        for dep, lag in value.items():
            if lag < 0:
                raise ValueError(f"negative lag after {dep}")
        return value


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

    _parse_deadline = field_validator("task_deadline", mode="before")(_parse_hhmm)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        stage_keys = [s.key for s in self.stages]
        if len(set(stage_keys)) != len(stage_keys):
            raise ValueError("duplicate stage key")
        step_keys = [s.key for s in self.steps]
        duplicates = {k for k in step_keys if step_keys.count(k) > 1}
        if duplicates:
            raise ValueError(f"duplicate step keys: {sorted(duplicates)}")
        gate_keys = [s.gate.key for s in self.steps if s.gate]
        if len(set(gate_keys)) != len(gate_keys):
            raise ValueError("duplicate gate key")
        known = set(step_keys)
        for step in self.steps:
            if step.stage not in stage_keys:
                raise ValueError(f"step {step.key}: unknown stage {step.stage}")
            for dep in step.after:
                if dep not in known:
                    raise ValueError(f"step {step.key}: unknown dependency {dep}")
        for key in (self.decision_step, self.avis_step):
            if key not in known:
                raise ValueError(f"unknown step {key}")
        self.topological_order()  # raises on a cycle
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

    def step(self, key: str) -> StepSpec:
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    def quorum_of(self, gate: GateSpec) -> QuorumSpec:
        return gate.quorum or self.default_quorum


TEMPLATES_DIR = "templates"


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


DEFAULT_TEMPLATE_KEY = "atelier_citoyen"


def get_template(key: str) -> ProcessTemplate:
    templates = builtin_templates()
    if key not in templates:
        raise KeyError(key)
    return templates[key]
