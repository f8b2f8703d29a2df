"""The journal's words: every kind of event the code records has a French name and sentence, and the
sentences name people, steps and decisions, with French dates and agreement."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from atelier.journal import KIND_LABELS, SENTENCES, UNSCOPED_KINDS, Names, sentence

ROOT = Path(__file__).parents[2]
CODE_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _recorded_kinds() -> set[str]:
    """Every string literal given as ``kind=`` to ``record_event`` anywhere in the product."""
    kinds: set[str] = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.relative_to(ROOT).parts[0] in {".venv", "tests", "bench"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_event":
                for keyword in node.keywords:
                    if keyword.arg == "kind":
                        assert not isinstance(keyword.value, ast.JoinedStr), f"{path}: kind built at run time"
                        kinds |= {
                            n.value
                            for n in ast.walk(keyword.value)
                            if isinstance(n, ast.Constant) and isinstance(n.value, str)
                        }
    return kinds


def test_every_recorded_kind_has_a_french_name_and_a_sentence() -> None:
    """A kind the code records is in the journal's filter and reads as a sentence (or is not an atelier's)."""
    recorded = _recorded_kinds()
    assert len(recorded) > 40
    missing = sorted(k for k in recorded - UNSCOPED_KINDS if k not in KIND_LABELS or k not in SENTENCES)
    assert missing == []
    assert set(SENTENCES) == set(KIND_LABELS)


NAMES = Names(
    people={"person:3": "Claire Martin", "person:7": "Jérôme Petit"},
    steps={"copil_1": "COPIL n°1", "weekend_1": "Premier week-end"},
    stages={"cadrage": "Cadrage"},
    gates={"cahier_des_charges_valide": "Validation du cahier des charges"},
    templates={"atelier_citoyen": "Atelier citoyen"},
)
SAMPLES: dict[str, dict[str, Any]] = {
    "person_added": {"person_id": 3, "roles": ["citizen", "copil_member"]},
    "person_updated": {"person_id": 3, "fields": ["full_name", "organisation"]},
    "gate_decision": {
        "gate": "cahier_des_charges_valide",
        "round": 1,
        "outcome": "send_back",
        "channel": "meeting",
        "comment": "Préciser le budget",
        "entered_by": "person:7",
    },
    "gate_opened": {"gate": "cahier_des_charges_valide", "round": 2, "due_at": "2027-01-28T17:00:00+00:00"},
    "step_done": {"step": "copil_1", "done_at": "2027-02-01T09:00:00+00:00", "planned_end": "2027-02-03"},
    "event_rescheduled": {
        "step": "weekend_1",
        "old_start": "2027-03-13T09:00:00+00:00",
        "new_start": "2027-03-20T09:00:00+00:00",
        "reason": "Salle indisponible",
    },
    "risk_changed": {
        "old_risk": "on_track",
        "new_risk": "tight",
        "forecast_avis_at": "2027-05-02",
        "slack_days": 1,
    },
    "atelier_updated": {"fields": ["venue", "hotel"], "messages_rewritten": 12},
    "replacement_proposed": {
        "dropped": "V-012",
        "replacement": "V-031",
        "reason": "declined",
        "method": "reserve",
    },
    "stage_opened": {"stage": "cadrage"},
    "atelier_created": {
        "template": "atelier_citoyen",
        "decision_date": "2027-01-11",
        "planned_avis_at": "2027-05-02",
    },
}


def test_sentences_name_people_steps_and_decisions_with_french_dates() -> None:
    """No code name, id or ISO date in a sentence: names, French labels and « lundi 1er février 2027 »."""
    written = {kind: sentence(kind, detail, NAMES) for kind, detail in SAMPLES.items()}
    for text in written.values():
        assert "(s)" not in text and "(e)" not in text, text
        assert not CODE_NAME.search(text) and not ISO_DATE.search(text) and "person" not in text, text
    assert written["person_added"] == "Ajout de Claire Martin : citoyen, membre du COPIL."
    assert written["gate_decision"] == (
        "« Validation du cahier des charges » : renvoyé pour reprise (réunion), saisi par Jérôme Petit. "
        "Commentaire : Préciser le budget"
    )
    assert "le lundi 1er février 2027" in written["step_done"]
    assert written["event_rescheduled"] == (
        "Déplacement de « Premier week-end » du samedi 13 mars 2027 au samedi 20 mars 2027. "
        "Motif : Salle indisponible."
    )
    assert written["risk_changed"].endswith("1 jour de marge.")
    assert written["atelier_updated"] == (
        "Informations de l'atelier modifiées : lieu, hôtel ; 12 messages programmés réécrits."
    )
    assert written["replacement_proposed"] == (
        "V-012 a décliné l'invitation ; remplacement proposé : V-031 (liste de réserve)."
    )


def test_an_old_event_missing_its_details_still_reads() -> None:
    """An event recorded by an older version, without the details read today, shows its French name."""
    assert sentence("gate_decision", {}, NAMES).startswith("« décision » : ?")
    assert sentence("step_done", {"step": "disparue"}, NAMES) == "Étape faite."
    assert sentence("step_done", {"step": "copil_1", "done_at": "hier"}, NAMES) == "Étape faite."
    assert sentence("inconnu_du_code", {"x": 1}, NAMES) == "Événement."
