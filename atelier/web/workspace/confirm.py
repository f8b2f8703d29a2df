"""A second page before an irreversible action: it says what will happen and asks to confirm,
carrying the form's values in hidden fields (it works without JavaScript; nothing is written
until « Confirmer » is pressed)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from fastapi.responses import HTMLResponse
from sqlmodel import Session

from atelier.web.deps import AtelierAccess, Render

CONFIRMED = "confirme"


def confirmed(form: Mapping[str, str]) -> bool:
    return form.get(CONFIRMED) == "oui"


@contextmanager
def rehearsal(session: Session, *, keep: bool) -> Iterator[None]:
    """Unless ``keep``, what runs inside is rolled back at the end: run before asking to confirm,
    a refusal shows at once and nothing is written."""
    if keep:
        yield
        return
    trial = session.begin_nested()
    try:
        yield
    finally:
        trial.rollback()


def confirmation_page(
    render: Render,
    access: AtelierAccess,
    *,
    question: str,
    consequence: str,
    action: str,
    form: Mapping[str, str],
    button: str,
) -> HTMLResponse:
    """The page asking « question », with « button » to act and a way back to the atelier."""
    fields = {name: value for name, value in form.items() if name not in ("csrf", CONFIRMED)}
    return render(
        "workspace/confirm.html",
        title=question,
        user=access.user,
        slug=access.slug,
        consequence=consequence,
        action=action,
        fields=fields,
        button=button,
    )
