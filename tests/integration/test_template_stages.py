"""Stages come from the template: a copy of a template with a stage added or dropped (data only, in
the instance's templates folder) runs to its end with no code change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from atelier.db import transaction
from atelier.demo.run import DEMO_SLUG, prepare, simulate
from atelier.planning.template import TEMPLATES_DIR_VARIABLE
from flows.lifecycle import advance_without_prefect
from models import Atelier, Event, Stage, Step
from models.enums import StageStatus, StepStatus
from notifications.catcher import MailCatcher
from tests.integration.helpers import DECISION, template_copy


def _run_to_the_end(tmp_path: Path, catcher: MailCatcher, template: str) -> dict[str, Any]:
    runtime, clock = prepare(
        tmp_path / "data", tmp_path / "mailbox", DECISION, catcher.bound_port, template=template
    )
    simulate(runtime, clock, lambda slug, now: advance_without_prefect(runtime, slug, now))
    with transaction(runtime.engine) as session:
        atelier = session.exec(select(Atelier).where(Atelier.slug == DEMO_SLUG)).one()
        stages = session.exec(select(Stage).order_by(col(Stage.position))).all()
        opened = session.exec(select(Event).where(Event.kind == "stage_opened").order_by(col(Event.id))).all()
        result = {
            "completed": atelier.completed_at is not None,
            "stages": [(s.key, s.status) for s in stages],
            "steps": {s.key: s.status for s in session.exec(select(Step)).all()},
            "opened": [e.detail["stage"] for e in opened],
        }
    runtime.engine.dispose()
    return result


def test_a_stage_added_to_a_template_runs(
    tmp_path: Path, catcher: MailCatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A « communication » stage added in data, beside the logistics: it opens after the cadrage, its
    step is done, and the atelier completes only once it is."""

    def add_stage(data: dict[str, Any]) -> None:
        data["stages"].append({"key": "communication", "name": "Communication", "after": ["cadrage"]})
        data["steps"].append(
            {"key": "plan_communication", "name": "Plan de communication", "stage": "communication",
             "kind": "task", "after": {"copil_1": 0}, "duration_days": 10}
        )  # fmt: skip

    monkeypatch.setenv(TEMPLATES_DIR_VARIABLE, str(tmp_path / "modeles"))
    key = template_copy(tmp_path / "modeles", "atelier_citoyen_communication", add_stage)
    result = _run_to_the_end(tmp_path, catcher, key)
    assert result["completed"]
    assert ("communication", StageStatus.DONE) in result["stages"]
    assert result["steps"]["plan_communication"] is StepStatus.DONE
    # It ran beside the logistics, long before the droit de suite that precedes it in the list.
    assert result["opened"].index("communication") < result["opened"].index("atelier")


def test_a_stage_dropped_from_a_template_is_not_run(
    tmp_path: Path, catcher: MailCatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The logistics stage dropped (its steps moved into the cadrage): four stages run in order to the end."""

    def drop_stage(data: dict[str, Any]) -> None:
        data["stages"] = [s for s in data["stages"] if s["key"] != "logistique"]
        for step in data["steps"]:
            if step["stage"] == "logistique":
                step["stage"] = "cadrage"

    monkeypatch.setenv(TEMPLATES_DIR_VARIABLE, str(tmp_path / "modeles"))
    key = template_copy(tmp_path / "modeles", "atelier_citoyen_sans_logistique", drop_stage)
    result = _run_to_the_end(tmp_path, catcher, key)
    assert result["completed"]
    assert result["stages"] == [
        (key, StageStatus.DONE) for key in ("demande", "cadrage", "atelier", "droit_de_suite")
    ]
    assert result["opened"] == ["demande", "cadrage", "atelier", "droit_de_suite"]
    assert result["steps"]["recrutement"] is StepStatus.DONE
