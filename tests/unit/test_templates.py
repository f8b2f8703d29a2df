from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from atelier.planning.template import (
    TEMPLATES_DIR_VARIABLE,
    ProcessTemplate,
    available_templates,
    builtin_templates,
    get_template,
)
from models.enums import QuorumRule, Role, StepKind


def test_default_template_reproduces_the_domain() -> None:
    """The atelier citoyen template: 15 citizens, 2 weekends 10:00–17:00, 3 COPIL gates, 4 months."""
    template = get_template("atelier_citoyen")
    assert template.citizens == 15
    assert template.horizon_months == 4
    assert [s.kind for s in template.steps].count(StepKind.WEEKEND) == 2
    assert [s.kind for s in template.steps].count(StepKind.ONLINE_SESSION) >= 2
    assert template.weekend_hours.start.isoformat() == "10:00:00"
    assert template.weekend_hours.end.isoformat() == "17:00:00"
    copil = [s.gate for s in template.steps if s.gate and s.gate.key.startswith("copil_")]
    assert [g.key for g in copil] == ["copil_1", "copil_2", "copil_3"]
    assert "échantillon" in copil[0].decides and "question" in copil[0].decides
    assert "formation" in copil[1].decides and "intervenants" in copil[1].decides
    assert "recrutements" in copil[2].decides and "supports" in copil[2].decides
    assert [s.key for s in template.stages] == [
        "demande",
        "cadrage",
        "logistique",
        "atelier",
        "droit_de_suite",
    ]


def test_gates_beyond_copil_have_their_own_members_and_quorum() -> None:
    """The avis is validated by the citizens by majority; COPIL gates use 3 of M."""
    template = get_template("atelier_citoyen")
    avis_gate = template.step("validation_avis").gate
    assert avis_gate is not None and avis_gate.members is Role.CITIZEN
    assert template.quorum_of(avis_gate).rule is QuorumRule.MAJORITY
    assert template.default_quorum.rule is QuorumRule.N_OF_M and template.default_quorum.n == 3


def test_both_templates_ship() -> None:
    """The conférence de citoyens is data, not code: three weekends over eight months."""
    templates = builtin_templates()
    assert set(templates) >= {"atelier_citoyen", "conference_de_citoyens"}
    conference = templates["conference_de_citoyens"]
    assert conference.weekends == 3 and conference.horizon_months == 8


def _raw() -> dict[str, object]:
    return get_template("atelier_citoyen").model_dump(mode="json")


def test_template_with_a_cycle_is_refused() -> None:
    """A dependency cycle makes the template invalid."""
    raw = _raw()
    steps = raw["steps"]
    assert isinstance(steps, list)
    steps[1]["after"] = {"copil_1": 0}
    with pytest.raises(ValidationError, match="cycle"):
        ProcessTemplate.model_validate(raw)


def test_template_with_an_unknown_dependency_is_refused() -> None:
    """A step depending on a step that does not exist is refused."""
    raw = _raw()
    steps = raw["steps"]
    assert isinstance(steps, list)
    steps[2]["after"] = {"nowhere": 0}
    with pytest.raises(ValidationError, match="unknown dependency"):
        ProcessTemplate.model_validate(raw)


def test_n_of_m_quorum_needs_n() -> None:
    """A quorum n_of_m without n is refused."""
    raw = _raw()
    raw["default_quorum"] = {"rule": "n_of_m"}
    with pytest.raises(ValidationError, match="needs n"):
        ProcessTemplate.model_validate(raw)


def test_a_stage_waits_for_the_one_before_it_unless_it_names_others() -> None:
    """By default a stage follows the one above it; « after » names earlier stages instead."""
    raw = _raw()
    stages = raw["stages"]
    assert isinstance(stages, list)
    stages[3]["after"] = ["cadrage"]
    template = ProcessTemplate.model_validate(raw)
    assert template.stage_after("demande") == []
    assert template.stage_after("logistique") == ["cadrage"]
    assert template.stage_after("atelier") == ["cadrage"]


def test_a_stage_after_a_later_or_unknown_stage_is_refused() -> None:
    """« after » may only name stages above it: the lifecycle takes them in order, with no cycle."""
    for wrong in ("droit_de_suite", "inconnue"):
        raw = _raw()
        stages = raw["stages"]
        assert isinstance(stages, list)
        stages[1]["after"] = [wrong]
        with pytest.raises(ValidationError, match="not an earlier stage"):
            ProcessTemplate.model_validate(raw)


def test_an_instance_template_folder_adds_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A YAML file in ATELIER_TEMPLATES_DIR is a template beside the built-in ones."""
    raw = _raw()
    raw["key"] = "atelier_maison"
    (tmp_path / "maison.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(TEMPLATES_DIR_VARIABLE, str(tmp_path))
    assert "atelier_maison" in available_templates()
    assert get_template("atelier_maison").citizens == 15
    monkeypatch.delenv(TEMPLATES_DIR_VARIABLE)
    assert "atelier_maison" not in available_templates()
