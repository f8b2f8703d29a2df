"""The line a page shows after a change (« Document joint. »), carried by the redirect.

The text travels in the address, signed with the session's own secret: a link crafted by someone
else (« Votre compte est suspendu, appelez… ») shows nothing, since it cannot carry a valid
signature for the reader's session.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse

from atelier.services.accounts import SignedIn

MAX_NOTICE = 500


def _signature(user: SignedIn, kind: str, text: str) -> str:
    message = f"{kind}\n{text}".encode()
    return hmac.new(user.csrf_token.encode(), message, hashlib.sha256).hexdigest()[:32]


def redirect_with_notice(
    path: str, user: SignedIn, text: str, *, error: bool = False, anchor: str = ""
) -> RedirectResponse:
    """See ``path`` (a GET) with ``text`` shown as a notice, or as an error."""
    kind = "erreur" if error else "ok"
    text = text[:MAX_NOTICE]
    query = urlencode({kind: text, "sig": _signature(user, kind, text)})
    return RedirectResponse(f"{path}?{query}{anchor}", status_code=303)


def notice_of(request: Request, user: SignedIn, *, error: bool = False) -> str | None:
    """The notice (or error) the redirect carried, if it was signed for this session."""
    kind = "erreur" if error else "ok"
    text = request.query_params.get(kind)
    signature = request.query_params.get("sig", "")
    if text is None or not hmac.compare_digest(signature.encode(), _signature(user, kind, text).encode()):
        return None
    return text
