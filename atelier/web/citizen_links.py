"""What the citizens' own links have in common (to stop the follow-up notices, to mark the answers,
to sit on the comité de suivi, to evaluate the démarche): the token is read for its purpose, then
the atelier and the person it names are loaded in one transaction; a refusal is one French page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from fastapi.responses import HTMLResponse
from sqlmodel import Session

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.links import FOLLOW_UP_LINK_AGE, Purpose
from atelier.services.ateliers import get_atelier
from atelier.web.deps import Render
from models import Atelier, Person
from models.types import pk


@dataclass(frozen=True)
class Linked:
    session: Session
    atelier: Atelier
    person: Person

    @property
    def person_id(self) -> int:
        return pk(self.person)


@contextmanager
def linked(
    runtime: Runtime, token: str, *, purpose: Purpose, max_age: timedelta = FOLLOW_UP_LINK_AGE
) -> Iterator[Linked]:
    """The atelier and the person of a citizen's link, in a transaction; Refused if not valid."""
    claims = runtime.signer.read(token, purpose=purpose, now=runtime.clock.now(), max_age=max_age)
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=claims.atelier)
        person = session.get(Person, claims.person_id)
        if person is None:
            raise Refused("ce lien n'est pas valide", f"{purpose} link for an unknown person")
        yield Linked(session, atelier, person)


def refused_page(render: Render, error: Refused) -> HTMLResponse:
    return render("notice.html", 403, title="Lien refusé", error=error.message_fr)
