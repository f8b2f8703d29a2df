"""Subjects survive every mail client's decoding: exact text back, RFC 2047 limits kept."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from atelier.config import Settings
from models import OutboxMessage
from notifications.mime import build_email, serialise

WORDS = st.sampled_from(
    ["Décision", "attendue", ":", "COPIL", "n°1", "question,", "échantillon,", "—", "réponse", "à",
     "18h00", "«", "Approfondissement", "»", "l'atelier", "Équipe", "(dans", "1", "jour)", "ruraux",
     "[voir", "annexe]"]
)  # fmt: skip
SUBJECTS = st.lists(WORDS, min_size=1, max_size=30).map(" ".join)


def _sent(subject: str) -> bytes:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    row = OutboxMessage(
        key="k", kind="x", recipient="Zoé <zoe@example.org>", subject=subject, body_text="t",
        body_html="<p>t</p>", message_id="<k@example.org>", due_at=now, created_at=now,
    )  # fmt: skip
    return serialise(build_email(row, settings=Settings(), now=now))


@settings(max_examples=400, deadline=None)
@given(SUBJECTS)
def test_subject_decodes_to_exactly_what_was_written(subject: str) -> None:
    """No space lost or doubled next to an encoded word; words ≤ 75 characters, lines ≤ 76."""
    raw = _sent(subject)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(parsed["Subject"]) == subject
    head = raw.split(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    assert all(len(w) <= 75 for w in re.findall(rb"=\?[^?]+\?[QqBb]\?[^?]*\?=", head))


def test_the_subject_seen_missing_a_space_before() -> None:
    """The demo subject that Python's folder used to print as « question,échantillon »."""
    subject = "Décision attendue : COPIL n°1 : question, échantillon, organisation — réponse avant le 15 mars"
    parsed = email.message_from_bytes(_sent(subject), policy=email.policy.default)
    assert str(parsed["Subject"]) == subject
