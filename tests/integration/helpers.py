"""What the integration tests share: the demo's world, people of the workspace, and the steps that
bring an atelier to a gate or an avis (recruitment's are in ``recruitment_helpers.py``). Tests import
these, never another test module's own helpers."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import yaml
from icalendar import Calendar
from prefect.client.schemas.objects import FlowRun
from prefect.exceptions import ObjectNotFound
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from atelier.bootstrap import Runtime
from atelier.cli.main import app
from atelier.clock import SimulatedClock
from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COMMANDITAIRE, COPIL, TEAM, _email
from atelier.demo.run import DEMO_SLUG, simulate
from atelier.services.ateliers import get_atelier
from atelier.services.avis import answer_gate_of, avis_weekend
from atelier.services.gates import decide, gate_asked_from, get_gate
from flows.lifecycle import advance_without_prefect
from models import (
    Gate,
    OutboxMessage,
    Person,
    Step,
)
from models.enums import (
    DecisionChannel,
    DecisionOutcome,
    GateStatus,
    OutboxStatus,
)
from notifications.catcher import CaughtMessage, MailCatcher
from tests.integration.dispatch_helpers import dispatcher_for, drain

DECISION = date(2027, 1, 11)


@dataclass
class World:
    runtime: Runtime
    clock: SimulatedClock
    catcher: MailCatcher
    slug: str = DEMO_SLUG
    _parsed: list[EmailMessage] = field(default_factory=list, repr=False)

    def emails(self) -> list[EmailMessage]:
        """Every message received so far, parsed once each (the mailbox only grows)."""
        received = self.catcher.mailbox.messages
        if len(received) < len(self._parsed):  # emptied by the test
            self._parsed.clear()
        self._parsed.extend(parse(m) for m in received[len(self._parsed) :])
        return list(self._parsed)


def parse(message: CaughtMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


AVIS_PROPOSALS = "\r\n".join(
    [
        "Numéro;Titre;Texte;Thème;Position;Soutien",
        "1;Des navettes à la demande;Créer un transport à la demande dans chaque intercommunalité.;"
        "Transports;consensus;",
        "2;Un forfait mobilité rurale;Verser un forfait aux ménages sans alternative à la voiture.;"
        "Pouvoir d'achat;dissensus;60 %",
        "3;Des tiers-lieux de proximité;Ouvrir des espaces de travail partagés dans les bourgs.;"
        "Emploi;Consensus;",
        "",
    ]
)


ANSWERS = (
    "numéro;statut;motif;porteur;instrument;échéance\r\n"
    "1;retenue;;DGITM;expérimentation;31/12/2027\r\n"
    "2;Non retenue;Le coût n'est pas soutenable en 2028.;DB;budget;\r\n"
    "3;à l'étude;Une mission d'inspection rend ses conclusions en mars.;DGE;;\r\n"
)


def avis_files(tmp_path: Path, proposals: str = AVIS_PROPOSALS) -> tuple[Path, Path]:
    text = tmp_path / "avis.txt"
    text.write_bytes("Nous, citoyens réunis deux week-ends,\nrecommandons ce qui suit.\n".encode("cp1252"))
    sheet = tmp_path / "propositions.csv"
    sheet.write_bytes(proposals.encode("cp1252"))
    return text, sheet


def answer_gate_approved(world: World) -> None:
    """The state after the commanditaire approved its answer (``test_answer_gate`` goes through
    that approval for real; here the lifecycle stays at its start, before the handover)."""
    with transaction(world.runtime.engine) as session:
        gate = answer_gate_of(session=session, atelier=get_atelier(session=session, slug=world.slug))
        assert gate is not None
        gate.status, gate.closed_at = GateStatus.APPROVED, world.clock.now()
        session.add(gate)


def answers_published(world: World, tmp_path: Path) -> None:
    """The avis recorded, an answer to each proposal recorded from a file, approved, published."""
    assert record_the_avis(world, tmp_path)[0] == 0
    sheet = tmp_path / "reponses.csv"
    sheet.write_bytes(ANSWERS.encode("cp1252"))
    assert run_cli(world, "avis", "repondre", world.slug, "--fichier", str(sheet))[0] == 0
    answer_gate_approved(world)
    assert run_cli(world, "avis", "publier-reponses", world.slug)[0] == 0


def to_avis_weekend(world: World) -> None:
    """Move the clock to the end of the last weekend, where the citizens validate their avis (an
    avis is recorded from then on), if it is earlier."""
    with transaction(world.runtime.engine) as session:
        weekend = avis_weekend(session=session, atelier=get_atelier(session=session, slug=world.slug))
        assert weekend is not None
        end = weekend.forecast_end
    if world.clock.now() < end:
        world.clock.set(end)


def record_the_avis(
    world: World, tmp_path: Path, *extra: str, proposals: str = AVIS_PROPOSALS, publish: bool = True
) -> tuple[int, str, str]:
    """``atelier avis enregistrer`` at the end of the last weekend, then (if it was recorded and
    ``publish``) ``atelier avis publier``; what the first command said."""
    to_avis_weekend(world)
    text, sheet = avis_files(tmp_path, proposals)
    recorded = run_cli(
        world, "avis", "enregistrer", world.slug, "--texte", str(text), "--propositions", str(sheet),
        "--valide-le", "2027-04-25", *extra,
    )  # fmt: skip
    if recorded[0] == 0 and publish:
        code, _out, err = run_cli(world, "avis", "publier", world.slug)
        assert code == 0, err
    return recorded


def flow_runs(deployment: str, since: datetime) -> list[FlowRun]:
    """The flow runs of one of our deployments created since ``since`` (the Prefect server serves
    the whole session), as the Prefect UI lists them."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        try:
            deployment_id = client.read_deployment_by_name(deployment).id
        except ObjectNotFound:  # no engine has registered it yet
            return []
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=200,
        )
    return [run for run in runs if run.created is not None and run.created >= since]


def is_completed(run: FlowRun) -> bool:
    return run.state is not None and run.state.is_completed()


def pass_step(world: World, days: float) -> None:
    world.clock.set(world.clock.now() + timedelta(days=days))
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))


runner = CliRunner()


def run_cli(world: World, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app,
        ["--data-dir", str(world.runtime.settings.data_dir), "--now", world.clock.now().isoformat(), *args],
    )
    return result.exit_code, result.stdout, result.stderr


def gate_of(world: World, key: str) -> Gate:
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        gate = session.exec(select(Gate).where(Gate.atelier_id == atelier.id, Gate.key == key)).one()
        session.expunge(gate)
        return gate


def until_open(world: World, key: str) -> None:
    simulate(
        world.runtime,
        world.clock,
        lambda s, n: advance_without_prefect(world.runtime, s, n),
        until=lambda: gate_of(world, key).status is GateStatus.OPEN,
    )


def to_asking_time(world: World, key: str) -> None:
    """Move the clock to when the gate may be asked (a meeting's gate: a week before it)."""
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        asked_from = gate_asked_from(
            session=session, atelier=atelier, gate=get_gate(session=session, atelier=atelier, key=key)
        )
    if asked_from is not None and asked_from > world.clock.now():
        world.clock.set(asked_from)


def decide_as(
    world: World, gate_key: str, name: str, outcome: DecisionOutcome, comment: str | None = None
) -> None:
    with transaction(world.runtime.engine) as session:
        record_decision_in(session, world, gate_key, name, outcome, comment)


def record_decision_in(
    session: Session, world: World, gate_key: str, name: str, outcome: DecisionOutcome, comment: str | None
) -> None:
    """A member's decision taken in a meeting, in the caller's transaction."""
    atelier = get_atelier(session=session, slug=world.slug)
    person = session.exec(select(Person).where(Person.full_name == name)).one()
    decide(
        session=session,
        atelier=atelier,
        gate_key=gate_key,
        person=person,
        outcome=outcome,
        comment=comment,
        channel=DecisionChannel.MEETING,
        now=world.clock.now(),
    )


def decision_token_of(world: World, name: str, gate_key: str, round: int) -> str:
    with transaction(world.runtime.engine) as session:
        person = session.exec(select(Person).where(Person.full_name == name)).one()
        row = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.person_id == person.id,
                OutboxMessage.kind == "decision_request",
                OutboxMessage.status == OutboxStatus.SENT,
            )
        ).all()
        (mine,) = [r for r in row if r.context.get("gate") == gate_key and r.context.get("round") == round]
        return mine.body_text.split("/decision/")[1].split()[0]


def calendar_parts(message: EmailMessage) -> list[Any]:
    """The inline text/calendar parts, parsed (the attachment carries the same bytes)."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar" and not p.is_attachment()]
    return [Calendar.from_ical(bytes(p.get_payload(decode=True))) for p in parts]


def record_done(world: World, key: str) -> bool:
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        step = session.exec(select(Step).where(Step.atelier_id == atelier.id, Step.key == key)).one()
        return step.actual_end is not None


def answer_token_of(world: World, name: str, answer: str) -> str:
    with transaction(world.runtime.engine) as session:
        person = session.exec(select(Person).where(Person.full_name == name)).one()
        row = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.person_id == person.id, OutboxMessage.kind == "citizen_invitation"
            )
        ).first()
        assert row is not None
    for token in re.findall(r"/reponse/([A-Za-z0-9_.\-]+)", row.body_text):
        claims = world.runtime.signer.read(token, purpose="answer", now=world.clock.now())
        if claims.answer == answer:
            return str(token)
    raise AssertionError("no such link")


TEAM_EMAIL, COPIL_EMAIL, CITIZEN_EMAIL = _email(TEAM[0]), _email(COPIL[0]), _email(CITIZENS[0])


COMMANDITAIRE_EMAIL = _email(COMMANDITAIRE[0])


OUTSIDER_EMAIL = "zoe.autre@example.org"  # in the team of another atelier


def http_client(site: str) -> httpx.Client:
    return httpx.Client(base_url=site, timeout=20, follow_redirects=False)


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def ask_link(http: httpx.Client, address: str) -> httpx.Response:
    page = http.get("/connexion")
    return http.post("/connexion", data={"email": address, "csrf": csrf_of(page)})


def latest_link(world: World, address: str) -> str | None:
    with transaction(world.runtime.engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "signin_link", OutboxMessage.recipient == address)
            .order_by(col(OutboxMessage.id).desc())
        ).all()
    if not rows:
        return None
    found = re.search(r"/connexion/(\S+)", rows[0].body_text)
    return found.group(1) if found else None


def new_link(world: World, address: str, previous: str | None = None) -> str:
    """The sign-in link queued after ``previous``: the app queues it once its answer is sent, so it is
    looked for until it appears (a readiness wait, not the clock's)."""
    deadline = time.monotonic() + 10
    while (token := latest_link(world, address)) in (None, previous):
        if time.monotonic() > deadline:
            raise AssertionError(f"no new sign-in link for {address}")
        time.sleep(0.005)
    assert token is not None
    return token


def sign_in(world: World, http: httpx.Client, address: str) -> httpx.Response:
    previous = latest_link(world, address)
    ask_link(http, address)
    token = new_link(world, address, previous)
    page = http.get(f"/connexion/{token}")
    assert page.status_code == 200 and "Me connecter" in page.text
    return http.post(f"/connexion/{token}", data={"csrf": csrf_of(page)})


def removal_id(page: str, name: str) -> str | None:
    """The id in the « Retirer » form of this person's row."""
    row_form = rf'/personnes/(\d+)/retirer"(?:(?!</form>).)*aria-label="Retirer {re.escape(name)}"'
    found = re.search(row_form, page, re.S)
    return found.group(1) if found else None


BUILTIN_TEMPLATE = Path(__file__).parents[2] / "atelier" / "planning" / "templates" / "atelier_citoyen.yaml"


def template_copy(folder: Path, key: str, change: Callable[[dict[str, Any]], None]) -> str:
    """The atelier citoyen's template under another key, changed by ``change``, in ``folder``."""
    data = yaml.safe_load(BUILTIN_TEMPLATE.read_text(encoding="utf-8"))
    data["key"] = key
    change(data)
    folder.mkdir(exist_ok=True)
    (folder / f"{key}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return key


PARAMS = {
    "slug": None,  # the demo atelier's
    "key": "reunion_demande",
    "gate_key": "copil_1",
    "message_id": "1",
    "document_id": "1",
    "person_id": "1",
    "what": "personnes",
    "fmt": "csv",
    "account_id": "1",
    "action": "desactiver",
    "replacement_id": "1",
    "suffix": ".csv",
    "number": "1",
}


def workspace_routes(world: World, **values: str) -> list[tuple[str, str]]:
    """Every (method, path) of the workspace, its parameters filled in (``values`` override them)."""
    from fastapi.routing import APIRoute

    from atelier.web.app import create_app

    app = create_app(world.runtime)
    # FastAPI keeps each included router as it was declared (its routes carry their prefix).
    declared = [
        r
        for included in app.routes
        for r in getattr(getattr(included, "original_router", None), "routes", [])
    ]
    found = []
    for route in declared:
        if isinstance(route, APIRoute) and route.path.startswith("/espace"):
            path = route.path
            for name, value in {**PARAMS, **values}.items():
                path = path.replace("{" + name + "}", value or world.slug)
            found += [(method, path) for method in sorted(route.methods or ())]
    return found
