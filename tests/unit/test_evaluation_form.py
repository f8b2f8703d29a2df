"""Reading the evaluation survey's form: every question optional, a choice outside those offered
refused, an empty form refused."""

from __future__ import annotations

import pytest

from atelier.errors import Refused
from atelier.planning.template import EvaluationQuestion, get_template
from atelier.services.evaluation import read_evaluation
from models.enums import Role


def _questions() -> list[EvaluationQuestion]:
    spec = get_template("atelier_citoyen").evaluation
    assert spec is not None
    return spec.questions_for({Role.CITIZEN})


def test_a_citizen_is_asked_about_their_view_and_not_the_administration_practice() -> None:
    """The citizens' questions include their view of public action, not the administration's practice."""
    keys = [q.key for q in _questions()]
    assert "regard_action_publique" in keys and "pratiques_administration" not in keys


def test_unanswered_questions_are_left_out_and_the_comment_is_trimmed() -> None:
    """Only the questions answered are kept; the comment loses its surrounding spaces."""
    read = read_evaluation(_questions(), {"pertinence": "3", "organisation": "", "commentaire": "  Merci. "})
    assert read.answers == {"pertinence": 3} and read.comment == "Merci."


@pytest.mark.parametrize("form", [{"pertinence": "4"}, {"pertinence": "-1"}, {"pertinence": "oui"}])
def test_a_choice_that_is_not_offered_is_refused(form: dict[str, str]) -> None:
    """A number past the choices, negative or not a number: one French line."""
    with pytest.raises(Refused) as refused:
        read_evaluation(_questions(), form)
    assert "choisissez l'une des réponses proposées" in refused.value.message_fr


def test_an_empty_form_is_refused() -> None:
    """Nothing chosen and nothing written: there is nothing to record."""
    with pytest.raises(Refused) as refused:
        read_evaluation(_questions(), {"commentaire": "   "})
    assert refused.value.message_fr == "répondez à au moins une question"
