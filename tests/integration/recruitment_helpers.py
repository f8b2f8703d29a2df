"""What the recruitment tests share: a pool of volunteers as Excel writes it, quotas, and the steps
from the quotas to a drawn panel."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import COPIL
from atelier.errors import Refused
from atelier.panel.model import Quota
from atelier.sealer import SealInCaller, SealWatcher
from atelier.services.ateliers import get_atelier
from atelier.services.link_actions import record_answer
from atelier.services.recruitment import draw_panel, import_pool, set_quotas, volunteers_of
from atelier.services.sealing import carry_out_seal, new_run, request_seal
from atelier.sheets.spreadsheet import read_sheet
from flows.lifecycle import advance_without_prefect
from models import (
    PanelLottery,
    PanelQuota,
    Volunteer,
)
from models.enums import (
    Answer,
    DecisionChannel,
    DecisionOutcome,
    VolunteerStatus,
)
from tests.integration.helpers import World, decide_as, until_open

CLI_QUOTAS = (
    "category,feature,min,max\ngenre,F,10,10\ngenre,H,10,10\nâge,18-34 ans,6,8\nâge,35 ans et plus,12,14\n"
)


def lottery_files(tmp_path: Path, young_every: int = 3) -> tuple[Path, Path]:
    """120 volunteers saved by Excel in Windows-1252 (« âge »), one in ``young_every`` under 35,
    and the quotas."""
    pool = tmp_path / "volontaires.csv"
    lines = ["id;genre;âge"] + [
        f"V{i:03};{'F' if i % 2 else 'H'};{'18-34 ans' if i % young_every == 0 else '35 ans et plus'}"
        for i in range(1, 121)
    ]
    pool.write_bytes("\r\n".join(lines).encode("cp1252"))
    quota_file = tmp_path / "quotas.csv"
    quota_file.write_text(CLI_QUOTAS, encoding="utf-8")
    return pool, quota_file


AGES = ("18-34 ans", "35-59 ans", "60 ans et plus")


QUOTAS = [
    Quota("Genre", "Femme", 7, 8),
    Quota("Genre", "Homme", 7, 8),
    *(Quota("Âge", age, 4, 6) for age in AGES),
]


HEADER = "Nom;Prénom;Adresse électronique;Téléphone;Adresse;Code postal;Commune;Consentement;Genre;Âge"


def registration_row(
    i: int,
    *,
    email: str | None = None,
    phone: str | None = None,
    street: str | None = None,
    consent: str = "oui",
) -> str:
    gender = "femme" if i % 2 else "Homme"  # as people type it: the case does not matter
    return ";".join(
        [
            f"Nom{i}",
            f"Prénom{i}",
            email or f"volontaire{i}@exemple.fr",
            phone or f"06 12 34 {i // 100:02d} {i % 100:02d}",
            street or f"{i} rue des Lilas",
            "21000",
            "Dijon",
            consent,
            gender,
            AGES[i % 3],
        ]
    )


def registrations(size: int = 60) -> bytes:
    """``size`` volunteers, then four rows to set apart: the same e-mail in capitals, the same
    phone, a second person of a household, and a refusal of consent (Excel's CSV, Windows-1252)."""
    rows = [HEADER, *(registration_row(i) for i in range(1, size + 1))]
    rows += [
        registration_row(size + 1, email="VOLONTAIRE1@exemple.fr"),
        registration_row(size + 2, phone="06 12 34 00 02"),
        registration_row(size + 3, street="3 rue des Lilas"),
        registration_row(size + 4, consent="non"),
    ]
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def in_atelier(world: World, action: str, **kwargs: object) -> object:
    actions = {"quotas": set_quotas, "pool": import_pool, "request_seal": request_seal, "draw": draw_panel}
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        return actions[action](
            session=session, atelier=atelier, now=world.clock.now(), actor="test", **kwargs
        )  # type: ignore[operator]


def seal(world: World, size: int | None = 15, algorithm: str = "maximin") -> PanelLottery:
    """The seal asked for and carried out here, as the command line does (refusals raised)."""
    run = new_run()
    in_atelier(world, "request_seal", size=size, algorithm=algorithm, max_seconds=None, run=run)
    outcome = carry_out_seal(world.runtime.engine, world.clock, world.slug, run=run)
    if outcome is None or outcome.lottery is None:
        raise Refused((outcome and outcome.failure) or "rien à sceller", "seal failed")
    return outcome.lottery


def engine_seals(world: World) -> list[str]:
    """What an engine does every few seconds: each seal asked for and held by no run, carried out."""
    return SealWatcher(world.runtime, SealInCaller(world.runtime)).check()


def approve_copil_1(world: World) -> None:
    for name in COPIL[:3]:
        decide_as(world, "copil_1", name, DecisionOutcome.APPROVE)


def ready_to_seal(world: World) -> None:
    """The quotas set, the pool of 60 imported, and COPIL n°1's approval."""
    in_atelier(world, "quotas", quotas=QUOTAS)
    in_atelier(world, "pool", sheet=read_sheet(registrations(), name="inscriptions.csv"))
    until_open(world, "copil_1")
    approve_copil_1(world)


def recruitment_snapshot(world: World) -> list[tuple[object, ...]]:
    with transaction(world.runtime.engine) as session:
        return [(q.category, q.value, q.min, q.max) for q in session.exec(select(PanelQuota)).all()] + [
            (v.reference, v.status) for v in session.exec(select(Volunteer)).all()
        ]


def panel_drawn(world: World, seed: str = "4 8 15 16 23 42") -> None:
    in_atelier(world, "quotas", quotas=QUOTAS)
    in_atelier(world, "pool", sheet=read_sheet(registrations(), name="inscriptions.csv"))
    until_open(world, "copil_1")
    approve_copil_1(world)
    seal(world, size=15)
    in_atelier(world, "draw", seed=seed)


def panel_of(world: World) -> list[Volunteer]:
    with transaction(world.runtime.engine) as session:
        panel = volunteers_of(
            session=session,
            atelier=get_atelier(session=session, slug=world.slug),
            status=VolunteerStatus.SELECTED,
        )
        for v in panel:
            session.expunge(v)
        return panel


def decline_as(world: World) -> Volunteer:
    """The first citizen drawn declines; the engine proposes their replacement."""
    dropped = panel_of(world)[0]
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        record_answer(
            session=session,
            atelier=atelier,
            person_id=dropped.person_id or 0,
            answer=Answer.DECLINE,
            channel=DecisionChannel.LINK,
            now=world.clock.now(),
        )
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    return dropped
