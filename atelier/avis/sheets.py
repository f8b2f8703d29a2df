"""The proposals of an avis and the answers to them, read from spreadsheets as a team writes
them (French headers, accents and capitals as typed, Excel's CSV or .xlsx); every row checked
before anything is written, each fault in one French line."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime

from atelier.errors import Refused
from atelier.french import agreed, decimal_number
from atelier.sheets.people import normal_header
from atelier.sheets.spreadsheet import Sheet
from models.enums import AnswerStatus, GroupPosition

STATUS_LABELS = {
    AnswerStatus.RETAINED: "retenue",
    AnswerStatus.PARTLY_RETAINED: "retenue en partie",
    AnswerStatus.UNDER_STUDY: "à l'étude",
    AnswerStatus.NOT_RETAINED: "non retenue",
}
STATUS_READ = {normal_header(label): status for status, label in STATUS_LABELS.items()}
POSITION_READ = {"consensus": GroupPosition.CONSENSUS, "dissensus": GroupPosition.DISSENSUS}

PROPOSAL_COLUMNS = {
    "number": ("numero", "n", "no", "number"),
    "title": ("titre", "intitule", "title"),
    "text": ("texte", "proposition", "text"),
    "theme": ("theme", "thematique"),
    "position": ("position", "consensus ou dissensus"),
    "support": ("soutien", "part des citoyens", "vote", "support"),
}
ANSWER_COLUMNS = {
    "number": ("numero", "n", "no", "proposition", "number"),
    "status": ("statut", "reponse", "status"),
    "reason": ("motif", "motivation", "raison", "reason"),
    "carrier": ("porteur", "porte par", "direction", "service"),
    "instrument": ("instrument", "vecteur"),
    "due_on": ("echeance", "date", "due"),
}


@dataclass(frozen=True)
class ProposalIn:
    number: int
    title: str
    text: str
    theme: str | None
    position: GroupPosition
    support: float | None


@dataclass(frozen=True)
class AnswerIn:
    number: int
    status: AnswerStatus
    reason: str | None
    carrier: str | None
    instrument: str | None
    due_on: date | None


def _columns(sheet: Sheet, accepted: dict[str, tuple[str, ...]], required: tuple[str, ...], what: str
             ) -> dict[str, int]:  # fmt: skip
    headers = [normal_header(h) for h in sheet.headers]
    found = {
        field: headers.index(name)
        for field, names in accepted.items()
        for name in names
        if name in headers
    }  # fmt: skip
    missing = [accepted[field][0] for field in required if field not in found]
    if missing:
        missing_columns = agreed(len(missing), "colonne manquante", "colonnes manquantes")
        raise Refused(f"{what} : {missing_columns} : " + ", ".join(missing), f"{what} columns missing")
    return found


def _cell(cells: list[str], at: dict[str, int], field: str) -> str:
    i = at.get(field)
    return cells[i].strip() if i is not None and i < len(cells) else ""


def _number(text: str, line: int, what: str) -> int:
    cleaned = re.sub(r"^(n°|no|n)\s*", "", text.strip().lower()).removesuffix(".0")
    if not cleaned.isdigit() or int(cleaned) < 1:
        raise Refused(f"{what}, ligne {line} : « {text} » n'est pas un numéro de proposition", "bad number")
    return int(cleaned)


def _share(text: str, line: int) -> float | None:
    if not text:
        return None
    try:
        value = decimal_number(text)
    except ValueError:
        raise Refused(
            f"propositions, ligne {line} : soutien « {text} » illisible (ex. 80 %)", "bad support"
        ) from None
    value = value / 100 if text.rstrip().endswith("%") or value > 1 else value
    if not 0 <= value <= 1:
        raise Refused(
            f"propositions, ligne {line} : le soutien doit être entre 0 et 100 %", "support out of range"
        )
    return value


def _day(text: str, line: int) -> date | None:
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise Refused(f"réponses, ligne {line} : échéance « {text} » illisible (JJ/MM/AAAA)", "bad due date")


def read_proposals(sheet: Sheet) -> list[ProposalIn]:
    """One row per proposal: numéro, titre, texte, and optionally thème, position (consensus or
    dissensus) and soutien (the share of the group who voted for it)."""
    at = _columns(sheet, PROPOSAL_COLUMNS, ("number", "title", "text"), "propositions")
    proposals: list[ProposalIn] = []
    for line, cells in sheet.rows:
        number = _number(_cell(cells, at, "number"), line, "propositions")
        title, text = _cell(cells, at, "title"), _cell(cells, at, "text")
        if not title or not text:
            raise Refused(
                f"propositions, ligne {line} : le titre et le texte sont obligatoires", "empty proposal"
            )
        position_text = normal_header(_cell(cells, at, "position")) or "consensus"
        if position_text not in POSITION_READ:
            raise Refused(
                f"propositions, ligne {line} : position « {_cell(cells, at, 'position')} » : "
                "consensus ou dissensus",
                "bad position",
            )
        proposals.append(
            ProposalIn(number, title, text, _cell(cells, at, "theme") or None, POSITION_READ[position_text],
                       _share(_cell(cells, at, "support"), line))
        )  # fmt: skip
    numbers = [p.number for p in proposals]
    if not proposals:
        raise Refused("propositions : le fichier ne contient aucune proposition", "no proposals")
    if len(set(numbers)) != len(numbers):
        twice = next(n for n in numbers if numbers.count(n) > 1)
        raise Refused(f"propositions : le numéro {twice} apparaît deux fois", "duplicate proposal number")
    return sorted(proposals, key=lambda p: p.number)


def check_answer(answer: AnswerIn, line: int | None = None) -> None:
    """Every status but « retenue » needs its reason: the answer is a reasoned one."""
    if answer.status is not AnswerStatus.RETAINED and not answer.reason:
        where = f"réponses, ligne {line} : " if line is not None else ""
        raise Refused(
            f"{where}proposition n°{answer.number} « {STATUS_LABELS[answer.status]} » : "
            "le motif est obligatoire",
            "answer without a reason",
        )


def read_status(text: str, line: int | None = None) -> AnswerStatus:
    status = STATUS_READ.get(normal_header(text))
    if status is None:
        where = f"réponses, ligne {line} : " if line is not None else ""
        raise Refused(
            f"{where}statut « {text} » inconnu : " + ", ".join(STATUS_LABELS.values()), "bad answer status"
        )
    return status


def read_answers(sheet: Sheet) -> list[AnswerIn]:
    """One row per proposal answered: numéro, statut, motif, and optionally porteur, instrument
    and échéance (JJ/MM/AAAA)."""
    at = _columns(sheet, ANSWER_COLUMNS, ("number", "status"), "réponses")
    answers = []
    for line, cells in sheet.rows:
        answer = AnswerIn(
            _number(_cell(cells, at, "number"), line, "réponses"),
            read_status(_cell(cells, at, "status"), line),
            _cell(cells, at, "reason") or None,
            _cell(cells, at, "carrier") or None,
            _cell(cells, at, "instrument") or None,
            _day(_cell(cells, at, "due_on"), line),
        )
        check_answer(answer, line)
        answers.append(answer)
    if not answers:
        raise Refused("réponses : le fichier ne contient aucune réponse", "no answers")
    return answers


def avis_digest(text: str, proposals: list[ProposalIn]) -> str:
    """SHA-256 of the avis as validated: its text and its proposals, in a canonical form."""
    canonical = json.dumps(
        {"text": text, "proposals": [asdict(p) for p in proposals]},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )  # fmt: skip
    return hashlib.sha256(canonical.encode()).hexdigest()
