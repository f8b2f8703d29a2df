"""The citizens' page to mark the answer to each proposal (0 to 10) and comment: GET shows the
answers and the citizen's marks so far, POST records what they chose. Marking again replaces
their marks; the link lasts as long as the follow-up."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from atelier.bootstrap import Runtime
from atelier.errors import Refused
from atelier.french import count
from atelier.services.marks import MarkIn, marks_of, outdated_marks, read_mark, record_marks
from atelier.services.public_record import public_record
from atelier.web.citizen_links import linked, refused_page
from atelier.web.deps import Render, RenderDep, RuntimeDep
from atelier.web.forms import read_form
from models.types import pk

router = APIRouter(prefix="/appreciation/{token}")


def _page(
    runtime: Runtime,
    render: Render,
    token: str,
    *,
    error: str | None = None,
    message: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    try:
        with linked(runtime, token, purpose="marks") as link:
            record = public_record(session=link.session, atelier=link.atelier)
            given = marks_of(session=link.session, atelier=link.atelier, person_id=link.person_id)
            # A mark of an answer since changed is shown as such, and the new one left to mark.
            stale = outdated_marks(session=link.session, atelier=link.atelier, marks=given)
            outdated = {m.number: stale[pk(m)] for m in given if pk(m) in stale}
            mine = {m.number: m for m in given if pk(m) not in stale}
            name = link.person.full_name
    except Refused as refusal:
        return refused_page(render, refusal)
    answered = [p for p in record.proposals if p.answer is not None]
    return render(
        "marks.html",
        status,
        title="Votre regard sur la réponse",
        record=record,
        person_name=name,
        proposals=answered,
        mine=mine,
        outdated=outdated,
        error=error,
        message=message,
    )


@router.get("", response_class=HTMLResponse)
def show(token: str, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    return _page(runtime, render, token)


@router.post("", response_class=HTMLResponse)
async def mark(token: str, request: Request, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    try:
        form = await read_form(request)
        numbers = sorted(
            int(k.removeprefix("note-")) for k in form if k.startswith("note-") and k[5:].isdigit()
        )
        marks = [read_mark(n, form.get(f"note-{n}", ""), form.get(f"commentaire-{n}", "")) for n in numbers]
        chosen = [m for m in marks if isinstance(m, MarkIn)]
        with linked(runtime, token, purpose="marks") as link:
            recorded = record_marks(session=link.session, atelier=link.atelier, person_id=link.person_id,
                                    marks=chosen, now=runtime.clock.now())  # fmt: skip
    except Refused as error:
        return _page(runtime, render, token, error=error.message_fr, status=400)
    thanks = (
        f"Merci : {count(recorded, 'note enregistrée', 'notes enregistrées')}. "
        "Vous pouvez les changer à tout moment avec ce même lien."
    )
    return _page(runtime, render, token, message=thanks)
