"""Reading the url-encoded forms of our pages, with a size cap; anything else is refused."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request

from atelier.services.link_actions import BadInput

# A form is a few fields and a comment of at most 4,000 characters: 64 KiB is plenty.
MAX_FORM_BYTES = 64 * 1024
# Any one field of a form (a name, a reason, a question): longer text is a mistake or abuse. Above
# the 4,000 characters of a comment, so that a comment's own check (and message) comes first.
MAX_FIELD_CHARS = 5000


async def read_form(request: Request) -> dict[str, str]:
    """The url-encoded form of a link page, read with a size cap; anything else is refused."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadInput("la réponse doit être envoyée depuis le formulaire de la page", "not a form post")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise BadInput("la réponse envoyée est trop longue", f"form of {declared} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise BadInput("la réponse envoyée est trop longue", "form over the size cap")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise BadInput("la réponse envoyée est illisible", "form not in UTF-8") from None
    form = {name: values[0] for name, values in fields.items()}
    if any(len(value) > MAX_FIELD_CHARS for value in form.values()):
        raise BadInput(
            f"un des champs dépasse {MAX_FIELD_CHARS:,} caractères : raccourcissez-le".replace(",", "\u202f"),
            "form field over the length cap",
        )
    return form
