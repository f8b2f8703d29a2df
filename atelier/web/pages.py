"""The French pages of the site: one Jinja environment, one way to render a page or a notice."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from atelier.french import count

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; "
        "frame-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # The token is in the path: never send it to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Pages:
    def __init__(self) -> None:
        self.environment = Environment(
            loader=PackageLoader("atelier.web", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html",)),
            undefined=StrictUndefined,
        )
        # « {{ n|nombre("personne") }} »: 0 and 1 in the singular, then the plural (or the one given).
        self.environment.filters["nombre"] = count

    def render(self, template: str, status: int = 200, /, **context: object) -> HTMLResponse:
        values: dict[str, object] = {"error": None, "message": None, "comment": ""}
        values.update(context)
        # Headers set here too: a 500 page is produced outside the app's middleware.
        return HTMLResponse(
            self.environment.get_template(template).render(**values),
            status_code=status,
            headers=SECURITY_HEADERS,
        )

    def notice(
        self, title: str, *, error: str | None = None, message: str | None = None, status: int = 200
    ) -> HTMLResponse:
        return self.render("notice.html", status, title=title, error=error, message=message)
