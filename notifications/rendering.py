"""Rendering one message kind to subject, plain text and HTML (French, autoescaped HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from atelier.french import count, of, sentence, to, with_article

MESSAGE_KINDS = (
    "citizen_invitation",
    "confirmation_reminder",
    "event_invitation",
    "event_cancelled",
    "weekend_practical",
    "weekend_reminder",
    "online_session_reminder",
    "speaker_invitation",
    "materials_request",
    "copil_convocation",
    "decision_request",
    "decision_reminder",
    "gate_escalation",
    "team_revision_request",
    "team_risk_alert",
    "team_weekly_digest",
    "team_advance_failed",
    "team_undeliverable_alert",
    "team_delivery_outage",
    "team_delivery_recovered",
    "signin_link",
    "workspace_invitation",
    "avis_handover",
    "droit_de_suite_notice",
    "panel_not_selected",
    "panel_pool_thanks",
    "follow_up_digest",
    "marks_request",
    "team_follow_up_reminder",
    "copil_answer_late",
    "evaluation_request",
    "evaluation_reminder",
    "committee_call",
    "meeting_reminder",
)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@cache
def template_environment() -> Environment:
    # Templates are named <kind>.html so that autoescaping (decided by the last extension)
    # applies; their subject and text blocks turn it off explicitly.
    environment = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    # « {{ atelier.commanditaire|de }} » → « du ministère … »; see atelier/french.py.
    environment.filters.update({"le": with_article, "de": of, "a": to, "phrase": sentence, "nombre": count})
    return environment


def render_message(kind: str, context: dict[str, Any]) -> RenderedMessage:
    """Render the three blocks of a kind; a missing variable raises (StrictUndefined)."""
    if kind not in MESSAGE_KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    template = template_environment().get_template(f"{kind}.html")
    blocks = {}
    for name in ("subject", "text", "html"):
        blocks[name] = "".join(template.blocks[name](template.new_context(dict(context))))
    subject = " ".join(blocks["subject"].split())
    if len(subject) > 200:
        subject = subject[:197] + "…"
    return RenderedMessage(subject=subject, text=blocks["text"].strip() + "\n", html=blocks["html"].strip())
