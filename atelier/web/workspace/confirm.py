"""A second page before an irreversible action: it says what will happen and asks to confirm,
carrying the form's values in hidden fields (it works without JavaScript; nothing is written
until « Confirmer » is pressed)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import HTMLResponse

from atelier.web.deps import AtelierAccess, Render

CONFIRMED = "confirme"


def confirmed(form: Mapping[str, str]) -> bool:
    return form.get(CONFIRMED) == "oui"


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
