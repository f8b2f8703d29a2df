"""The seal off the request path: asked for from the page, it returns at once; nothing it works on
changes until it ends; an engine carries it out; a failure shows on the page; a run that died is
replaced and its late result dropped; the command line refuses a second seal."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from atelier.bootstrap import install
from atelier.db import transaction
from atelier.errors import Refused
from atelier.panel.lottery import solve
from atelier.panel.watch import Progress
from atelier.services.ateliers import get_atelier
from atelier.services.people import add_people, remove_person
from atelier.services.recruitment import find_lottery
from atelier.services.sealing import SEAL_LEASE, awaiting_run, beat, claim_seal, finish_seal, new_run
from atelier.sheets.spreadsheet import read_sheet
from atelier.web.workspace.seal_view import STALLED, seal_view
from models import Event
from models.enums import Role
from models.person_in import PersonIn
from tests.integration.helpers import TEAM_EMAIL, World, csrf_of, http_client, run_cli, sign_in
from tests.integration.recruitment_helpers import (
    QUOTAS,
    engine_seals,
    in_atelier,
    ready_to_seal,
    registrations,
)
from tests.served import snapshot


def _requested(world: World, size: int = 15) -> None:
    in_atelier(world, "request_seal", size=size, algorithm="maximin", max_seconds=None)


def test_a_seal_asked_from_the_page_returns_at_once_and_nothing_changes_until_an_engine_ends_it(
    lottery_world: World, site: str
) -> None:
    """The page records the request and shows it waiting; imports, quotas and a second seal are
    refused meanwhile with nothing written; once an engine has sealed, the polled fragment reloads
    the page, which offers the draw."""
    world = lottery_world
    ready_to_seal(world)
    page_path = f"/espace/{world.slug}/recrutement"
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        csrf = csrf_of(http.get(page_path))
        asked = http.post(f"{page_path}/sceller", data={"csrf": csrf, "taille": "15"})
        assert asked.status_code == 303
        shown = html.unescape(http.get(asked.headers["location"]).text)
        assert "Scellement demandé : le calcul des chances se fait en arrière-plan" in shown
        assert "le calcul commencera dès qu'un moteur le prendra en charge" in shown
        assert "Sceller le tirage</button>" not in shown and "Ajouter au vivier" not in shown
        fragment = http.get(f"{page_path}/scellement")
        assert 'hx-trigger="every 3s"' in fragment.text and "HX-Refresh" not in fragment.headers
        before = snapshot(world.runtime.engine, skip=("account_session",))
        refusals = [
            http.post(
                f"{page_path}/vivier",
                data={"csrf": csrf},
                files={"fichier": ("v.csv", registrations(70), "text/csv")},
            ),
            http.post(f"{page_path}/quotas/defaut", data={"csrf": csrf}),
            http.post(f"{page_path}/sceller", data={"csrf": csrf, "taille": "15"}),
        ]
        for refused in refusals:
            assert refused.status_code == 400
            assert "est en cours : le vivier, les quotas et les règles du tirage ne changent pas" in (
                html.unescape(refused.text)
            ) or "il ne peut l'être deux fois" in html.unescape(refused.text)
        assert snapshot(world.runtime.engine, skip=("account_session",)) == before
        assert engine_seals(world) == [world.slug]
        assert http.get(f"{page_path}/scellement").headers.get("HX-Refresh") == "true"
        shown = html.unescape(http.get(page_path).text)
        journal = html.unescape(http.get(f"/espace/{world.slug}/journal").text)
    assert re.search(r"<code>[0-9a-f]{64}</code>", shown) and "Tirer le panel" in shown
    assert "Scellement du tirage demandé : panel de 15 personnes, calcul par MAXIMIN." in journal


def test_quotas_no_panel_meets_are_refused_when_the_seal_is_asked_for(
    lottery_world: World, site: str
) -> None:
    """A panel larger than the quotas allow is refused at once, with the change that would help,
    and nothing is written: the team does not wait for an engine to learn it."""
    world = lottery_world
    ready_to_seal(world)
    page_path = f"/espace/{world.slug}/recrutement"
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        csrf = csrf_of(http.get(page_path))
        before = snapshot(world.runtime.engine, skip=("account_session",))
        refused = http.post(f"{page_path}/sceller", data={"csrf": csrf, "taille": "40"})
        assert refused.status_code == 400
        assert "Tirage impossible avec ces quotas : relever le maximum" in html.unescape(refused.text)
        unknown = http.post(
            f"{page_path}/sceller", data={"csrf": csrf, "taille": "15", "algorithme": "hasard"}
        )
        assert unknown.status_code == 400 and "Choisissez MAXIMIN ou LEXIMIN" in html.unescape(unknown.text)
        assert snapshot(world.runtime.engine, skip=("account_session",)) == before
    assert engine_seals(world) == []


def test_a_seal_that_cannot_succeed_says_why_on_the_page_and_may_be_asked_again(
    lottery_world: World, site: str
) -> None:
    """A citizen added by hand while the seal waited: the engine's run ends without a distribution,
    the page and the journal say why in French, and the seal is offered again; once the citizen is
    removed, asked again, it seals."""
    world = lottery_world
    ready_to_seal(world)
    page_path = f"/espace/{world.slug}/recrutement"
    _requested(world)
    now = world.clock.now()
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        person = PersonIn(full_name="Inès Ajoutée", email="ines@exemple.fr", roles=[Role.CITIZEN])
        (added,) = add_people(session=session, atelier=atelier, people=[person], now=now, actor="test")
        added_id = added.id or 0
    assert engine_seals(world) == [world.slug]
    assert engine_seals(world) == []  # ended: no engine starts it again
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        shown = html.unescape(http.get(page_path).text)
        failure = (
            "Le dernier scellement demandé n'a pas abouti : pas de tirage : l'atelier compte déjà 1 citoyen"
        )
        assert failure in shown
        journal = html.unescape(http.get(f"/espace/{world.slug}/journal").text)
        assert "Le scellement demandé n'a pas abouti : pas de tirage" in journal
        with transaction(world.runtime.engine) as session:
            atelier = get_atelier(session=session, slug=world.slug)
            remove_person(session=session, atelier=atelier, person_id=added_id, now=now, actor="test")
        shown = html.unescape(http.get(page_path).text)
        assert "Sceller le tirage</button>" in shown
        http.post(f"{page_path}/sceller", data={"csrf": csrf_of(http.get(page_path)), "taille": "15"})
        engine_seals(world)
        shown = html.unescape(http.get(page_path).text)
    assert "Tirer le panel" in shown and "n'a pas abouti" not in shown


def test_a_run_that_stops_beating_is_replaced_and_its_late_result_dropped(lottery_world: World) -> None:
    """While a run beats, no other may claim the seal; once it has been silent longer than the
    lease, the page says so and another run takes it over; the first run's beats and result are
    then refused, and only the second one's is published."""
    world = lottery_world
    ready_to_seal(world)
    _requested(world)
    first, second = new_run(), new_run()
    start = world.clock.now()
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        late_job = claim_seal(session=session, atelier=atelier, run=first, now=start)
        assert late_job is not None
    later = start + SEAL_LEASE / 2
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        assert claim_seal(session=session, atelier=atelier, run=second, now=later) is None
        assert awaiting_run(session=session, now=later) == []
        assert beat(session=session, atelier_id=late_job.atelier_id, run=first,
                    progress=Progress(3, 0.1, 0.2, 1.0), now=later)  # fmt: skip
    silent = later + SEAL_LEASE + timedelta(seconds=1)
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        view = seal_view(find_lottery(session=session, atelier=atelier), silent)
        assert view is not None and view.worry == STALLED
        assert view.progress is not None and "3 tours de recherche" in view.progress
        waiting = awaiting_run(session=session, now=silent)
        assert [slug for slug, _ in waiting] == [world.slug] and first in waiting[0][1]
        job = claim_seal(session=session, atelier=atelier, run=second, now=silent)
        assert job is not None
    with transaction(world.runtime.engine) as session:
        assert not beat(session=session, atelier_id=job.atelier_id, run=first, progress=None, now=silent)
        dropped = finish_seal(
            session=session, job=late_job, distribution=solve(late_job.problem, "maximin"), now=silent
        )
        assert dropped is None
        sealed = finish_seal(session=session, job=job, distribution=solve(job.problem, "maximin"), now=silent)
        assert sealed is not None and sealed.commitment
    with transaction(world.runtime.engine) as session:
        kinds = [e.kind for e in session.exec(select(Event).where(Event.kind == "panel_sealed")).all()]
        assert kinds == ["panel_sealed"]


def test_the_command_line_refuses_a_seal_while_the_page_s_runs(lottery_world: World) -> None:
    """`atelier panel sceller` while a seal asked for from the page waits: refused in one French
    line, the request left as it was."""
    world = lottery_world
    ready_to_seal(world)
    _requested(world)
    code, _out, err = run_cli(world, "panel", "sceller", world.slug)
    assert code == 1 and "Erreur : le scellement du tirage demandé le" in err
    with transaction(world.runtime.engine) as session:
        lottery = find_lottery(session=session, atelier=get_atelier(session=session, slug=world.slug))
        assert lottery is not None and lottery.seal_requested_at is not None and lottery.seal_run is None


def test_a_refused_request_writes_nothing(lottery_world: World) -> None:
    """Asked for before COPIL n°1 has approved the quotas, the seal is refused and nothing is recorded."""
    world = lottery_world
    in_atelier(world, "quotas", quotas=QUOTAS)
    in_atelier(world, "pool", sheet=read_sheet(registrations(), name="inscriptions.csv"))
    before = snapshot(world.runtime.engine)
    try:
        _requested(world)
    except Refused as refused:
        assert "pas de tirage : les quotas attendent l'approbation" in refused.message_fr
    else:
        raise AssertionError("the seal was not refused")
    assert snapshot(world.runtime.engine) == before


@pytest.mark.prefect
def test_a_seal_asked_for_runs_as_a_flow_run_of_its_own_with_its_progress_in_prefect(
    lottery_world: World, prefect_api: str
) -> None:
    """Through Prefect: the run named after the atelier seals the lottery, and its progress artifact
    ends at 100 % with the commitment; a second run finds nothing to seal."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterName,
        FlowRunFilterStartTime,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    from flows.sealing import seal_lottery_run

    world = lottery_world
    ready_to_seal(world)
    _requested(world)
    install(world.runtime)
    began = datetime.now(UTC)
    assert seal_lottery_run(slug=world.slug) is True
    assert seal_lottery_run(slug=world.slug) is False
    with transaction(world.runtime.engine) as session:
        lottery = find_lottery(session=session, atelier=get_atelier(session=session, slug=world.slug))
        assert lottery is not None and lottery.commitment is not None and lottery.seal_run is None

    async def read() -> list[str]:
        async with get_client() as client:
            name = FlowRunFilterName(any_=[f"{world.slug} · scellement du tirage"])
            since = FlowRunFilterStartTime(after_=began)  # the server serves the whole session
            runs = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(name=name, start_time=since),
                limit=10,
                sort=FlowRunSort.START_TIME_DESC,
            )
            return [str(run.id) for run in runs]

    runs = asyncio.run(read())
    assert len(runs) == 2
    # Read as the Prefect UI does, through the REST API.
    asked = {
        "artifacts": {"key": {"any_": [f"scellement-{world.slug}"]}, "flow_run_id": {"any_": runs}},
        "limit": 10,
    }
    artifacts = [
        (a["data"], a["description"])
        for a in httpx.post(f"{prefect_api}/artifacts/filter", json=asked).json()
    ]
    assert artifacts == [(100.0, f"Tirage scellé. Empreinte : {lottery.commitment}")]


def test_the_team_withdraws_a_seal_and_the_run_under_way_stops_without_publishing(
    lottery_world: World, site: str
) -> None:
    """« Annuler le scellement » while a run searches: the run's claim is gone (its beats and its
    result are refused), the pool may change again, and a second withdrawal is refused with
    nothing written."""
    world = lottery_world
    ready_to_seal(world)
    _requested(world)
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        job = claim_seal(session=session, atelier=atelier, run=new_run(), now=world.clock.now())
        assert job is not None
    page_path = f"/espace/{world.slug}/recrutement"
    with http_client(site) as http:
        sign_in(world, http, TEAM_EMAIL)
        page = http.get(page_path)
        assert "Annuler le scellement</button>" in page.text
        withdrawn = http.post(f"{page_path}/scellement/annuler", data={"csrf": csrf_of(page)})
        shown = html.unescape(http.get(withdrawn.headers["location"]).text)
        assert "Scellement annulé : le vivier, les quotas et les règles peuvent de nouveau changer." in shown
        assert "Sceller le tirage</button>" in shown
        with transaction(world.runtime.engine) as session:
            assert not beat(session=session, atelier_id=job.atelier_id, run=job.run, progress=None,
                            now=world.clock.now())  # fmt: skip
            late = finish_seal(session=session, job=job, distribution=solve(job.problem, "maximin"),
                               now=world.clock.now())  # fmt: skip
            assert late is None
        before = snapshot(world.runtime.engine, skip=("account_session",))
        again = http.post(f"{page_path}/scellement/annuler", data={"csrf": csrf_of(http.get(page_path))})
        assert again.status_code == 400 and "Aucun scellement n'est en cours" in html.unescape(again.text)
        assert snapshot(world.runtime.engine, skip=("account_session",)) == before
        imported = http.post(
            f"{page_path}/vivier",
            data={"csrf": csrf_of(http.get(page_path))},
            files={"fichier": ("v.csv", registrations(70), "text/csv")},
        )
        assert imported.status_code == 303
        journal = html.unescape(http.get(f"/espace/{world.slug}/journal").text)
    assert "Scellement du tirage annulé avant sa fin." in journal
