"""Recruitment by lot in an atelier: the pool as a registration form exports it, quotas approved by
COPIL n°1, the sealed draw, the messages to every volunteer, and replacements that keep the quotas."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from atelier.bootstrap import using
from atelier.db import transaction
from atelier.errors import Refused
from atelier.panel.model import Quota
from atelier.services.ateliers import get_atelier
from atelier.services.gates import get_gate
from atelier.services.link_actions import record_answer
from atelier.services.replacements import approve_replacement, replacements_of
from atelier.sheets.spreadsheet import read_sheet
from flows.lifecycle import advance_without_prefect
from models import OutboxMessage, Volunteer
from models.enums import Answer, DecisionChannel, GateStatus, VolunteerStatus
from tasks.messages import queue_messages
from tests.helpers import refused
from tests.integration.dispatch_helpers import dispatcher_for, drain
from tests.integration.helpers import World, until_open
from tests.integration.recruitment_helpers import (
    AGES,
    HEADER,
    QUOTAS,
    approve_copil_1,
    in_atelier,
    panel_drawn,
    panel_of,
    recruitment_snapshot,
    registration_row,
    registrations,
    seal,
)


def _gate_status(world: World) -> tuple[GateStatus, int]:
    with transaction(world.runtime.engine) as session:
        gate = get_gate(session=session, atelier=get_atelier(session=session, slug=world.slug), key="copil_1")
        return gate.status, gate.round


def test_the_pool_is_read_as_excel_writes_it_with_duplicates_households_and_consent_set_apart(
    lottery_world: World,
) -> None:
    """60 volunteers in; the same person twice (e-mail in capitals, same phone) skipped, a second
    person of a household kept out of the draw, a refusal of consent not imported; a bad value
    refuses the whole file with its line and writes nothing."""
    world = lottery_world
    in_atelier(world, "quotas", quotas=QUOTAS)
    result = in_atelier(world, "pool", sheet=read_sheet(registrations(), name="inscriptions.csv"))
    assert len(result.volunteers) == 60  # type: ignore[attr-defined]
    assert [d.split(" : ")[0] for d in result.duplicates] == ["ligne 62", "ligne 63"]  # type: ignore[attr-defined]
    assert "même adresse électronique" in result.duplicates[0]  # type: ignore[attr-defined]
    assert result.set_aside[0][1] == "ligne 64 : même foyer que ligne 4"  # type: ignore[attr-defined]
    assert result.without_consent == [65]  # type: ignore[attr-defined]
    with transaction(world.runtime.engine) as session:
        statuses = Counter(v.status for v in session.exec(select(Volunteer)).all())
    assert statuses == {VolunteerStatus.POOL: 60, VolunteerStatus.SET_ASIDE: 1}
    before = recruitment_snapshot(world)
    bad = (HEADER + "\r\n" + registration_row(101).replace("femme", "Fem.") + "\r\n").encode("cp1252")
    with refused("ligne 2 : « Fem. » n'est pas une valeur de « Genre »", Refused):
        in_atelier(world, "pool", sheet=read_sheet(bad, name="inscriptions.csv"))
    assert recruitment_snapshot(world) == before
    # A later file: the same person typed without accents or capitals, at the same address, with
    # another e-mail and phone, is found in the pool; a newcomer is added.
    again = [
        HEADER,
        registration_row(5, email="autre5@exemple.fr", phone="07 00 00 00 05").replace("Prénom5", "PRENOM5"),
        registration_row(200),
    ]
    result = in_atelier(world, "pool", sheet=read_sheet("\r\n".join(again).encode("cp1252"), name="b.csv"))
    assert result.duplicates == ["ligne 2 : déjà inscrite (même nom à la même adresse, le vivier)"]  # type: ignore[attr-defined]
    assert len(result.volunteers) == 1 and not result.set_aside  # type: ignore[attr-defined]


def test_no_draw_before_copil_1_approves_the_quotas_and_a_change_after_needs_a_new_decision(
    lottery_world: World,
) -> None:
    """Sealing is refused before COPIL n°1's approval; quotas cannot change while it decides;
    changed after approval, they go back to the COPIL (a decision request, round 2) and no draw
    happens until it approves them again."""
    world = lottery_world
    in_atelier(world, "quotas", quotas=QUOTAS)
    in_atelier(world, "pool", sheet=read_sheet(registrations(), name="inscriptions.csv"))
    with refused("pas de tirage : les quotas attendent l'approbation « COPIL n°1", Refused):
        seal(world, size=15)
    until_open(world, "copil_1")
    before = recruitment_snapshot(world)
    with refused("les quotas ne peuvent pas changer pendant sa décision", Refused):
        in_atelier(world, "quotas", quotas=[*QUOTAS[:2], Quota("Âge", AGES[0], 3, 6), *QUOTAS[3:]])
    assert recruitment_snapshot(world) == before
    approve_copil_1(world)
    assert _gate_status(world) == (GateStatus.APPROVED, 1)
    change = in_atelier(world, "quotas", quotas=[*QUOTAS[:2], Quota("Âge", AGES[0], 3, 6), *QUOTAS[3:]])
    assert change.asked_again  # type: ignore[attr-defined]
    assert _gate_status(world) == (GateStatus.OPEN, 2)
    with refused("les quotas attendent l'approbation", Refused):
        seal(world, size=15)
    with using(world.runtime):
        queue_messages.fn(world.slug, world.clock.now())
    with transaction(world.runtime.engine) as session:
        requests = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == "decision_request", col(OutboxMessage.key).contains("|g2")
            )
        ).all()
        assert len(requests) == 5 and "modifiés après votre approbation" in requests[0].body_text
    approve_copil_1(world)
    assert seal(world, size=15).commitment


def _meets_quotas(panel: list[Volunteer]) -> bool:
    return all(q.min <= sum(1 for v in panel if v.features[q.category] == q.value) <= q.max for q in QUOTAS)


def test_the_draw_invites_the_selected_and_tells_every_other_volunteer_once(lottery_world: World) -> None:
    """15 drawn within the quotas, each invited to confirm by a date; the 45 others and the
    household set aside each get one « résultat du tirage », the reserves told they are on the list."""
    world = lottery_world
    panel_drawn(world)
    panel = panel_of(world)
    assert len(panel) == 15 and _meets_quotas(panel)
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    advance_without_prefect(
        world.runtime, world.slug, world.clock.now()
    )  # a second pass queues nothing twice
    drain(dispatcher_for(world.runtime))
    mails = world.emails()
    invited = [m for m in mails if "Invitation à l'atelier citoyen" in m["Subject"]]
    told = [m for m in mails if "le résultat du tirage au sort" in m["Subject"]]
    assert sorted(m["To"].addresses[0].addr_spec for m in invited) == sorted(v.email for v in panel)
    body = invited[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "tiré(e) au sort parmi les volontaires" in body and "avant le " in body
    assert len(told) == 46 and len({m["To"] for m in told}) == 46
    on_reserve = [m for m in told if "liste de réserve" in m.get_body(("plain",)).get_content()]  # type: ignore[union-attr]
    # One reserve of the same profile for each citizen drawn, as far as the pool has some left.
    drawn = Counter(tuple(v.features.values()) for v in panel)
    assert len(on_reserve) == sum(min(n, 10 - n) for n in drawn.values())
    assert not {m["To"].addresses[0].addr_spec for m in told} & {v.email for v in panel}


def test_a_decline_is_replaced_by_a_reserve_of_the_same_profile_once_the_team_approves(
    lottery_world: World,
) -> None:
    """A citizen declines: the engine proposes the first reserve that keeps the quotas; nothing
    changes until the team approves; then the replacement is invited and the panel still meets
    every quota. A citizen who does not answer in 8 days is proposed for replacement too."""
    world = lottery_world
    panel_drawn(world)
    panel = panel_of(world)
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        record_answer(
            session=session,
            atelier=atelier,
            person_id=panel[0].person_id or 0,
            answer=Answer.DECLINE,
            channel=DecisionChannel.LINK,
            now=world.clock.now(),
        )
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        (proposal,) = replacements_of(session=session, atelier=atelier)
        newcomer = session.get(Volunteer, proposal.replacement_id)
        assert newcomer is not None and newcomer.status is VolunteerStatus.RESERVE
        assert proposal.method == "reserve" and newcomer.features == panel[0].features
        proposal_id = proposal.id or 0
    assert len(panel_of(world)) == 15  # the one who declined is still counted until approval
    world.clock.set(world.clock.now() + timedelta(days=2))
    with transaction(world.runtime.engine) as session:
        approve_replacement(
            session=session,
            atelier=get_atelier(session=session, slug=world.slug),
            replacement_id=proposal_id,
            now=world.clock.now(),
            actor="test",
        )
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    drain(dispatcher_for(world.runtime))
    final = panel_of(world)
    assert len(final) == 15 and _meets_quotas(final) and panel[0].email not in {v.email for v in final}
    invited = [
        m["To"].addresses[0].addr_spec for m in world.emails() if "Invitation à l'atelier" in m["Subject"]
    ]
    assert invited.count(newcomer.email) == 1
    # Nine days after the draw, nobody else has answered: each is proposed for replacement.
    world.clock.set(world.clock.now() + timedelta(days=7))
    advance_without_prefect(world.runtime, world.slug, world.clock.now())
    with transaction(world.runtime.engine) as session:
        reasons = Counter(
            r.reason
            for r in replacements_of(session=session, atelier=get_atelier(session=session, slug=world.slug))
        )
    assert reasons["no_answer"] == 14  # the newcomer's 8 days are not over


def test_anyone_re_runs_the_draw_from_the_published_file_and_gets_the_same_panel(
    lottery_world: World, tmp_path: Path
) -> None:
    """From the command line: the seal prints the commitment, « publier » writes the file (no name,
    no address in it), the draw with the announced seed selects a panel, and « verifier » on the
    published file alone finds the same commitment and the same panel."""
    from tests.integration.helpers import run_cli

    world = lottery_world
    quotas = tmp_path / "quotas.csv"
    quotas.write_text(
        "category,feature,min,max\n" + "".join(f"{q.category},{q.value},{q.min},{q.max}\n" for q in QUOTAS),
        encoding="utf-8",
    )
    pool = tmp_path / "inscriptions.csv"
    pool.write_bytes(registrations())
    assert run_cli(world, "panel", "quotas", world.slug, "--file", str(quotas))[0] == 0
    code, out, err = run_cli(world, "panel", "vivier", world.slug, str(pool))
    assert code == 0, err
    assert "60 volontaires ajoutés au vivier." in out and "Sans consentement, non importés : lignes 65" in out
    code, _, err = run_cli(world, "panel", "sceller", world.slug)
    assert code == 1 and "les quotas attendent l'approbation" in err
    until_open(world, "copil_1")
    approve_copil_1(world)
    code, out, err = run_cli(world, "panel", "sceller", world.slug)
    assert code == 0, err
    commitment = out.split("Empreinte à publier avant le tirage : ")[1].split()[0]
    assert "la recherche l'a prouvé" in out
    published = tmp_path / "publie"
    assert run_cli(world, "panel", "publier", world.slug, "--out", str(published))[0] == 0
    text = (published / "publication.json").read_text(encoding="utf-8")
    assert "exemple.fr" not in text and "Nom1" not in text and "Lilas" not in text
    code, out, err = run_cli(world, "panel", "tirer", world.slug, "--seed", "31 janvier 2027 : 7 12 30 41 45")
    assert code == 0, err
    drawn = sorted(line.split()[0] for line in out.splitlines()[1:])
    assert len(drawn) == 15
    code, out, err = run_cli(
        world, "panel", "verifier", str(published), "--seed", "31 janvier 2027 : 7 12 30 41 45"
    )
    assert code == 0, err
    assert f"Empreinte recalculée : {commitment}" in out
    assert sorted(out.split("Panel : ")[1].split("\n")[0].split(", ")) == drawn
    code, _, err = run_cli(world, "panel", "tirer", world.slug, "--seed", "autre")
    assert code == 1 and "le panel a déjà été tiré" in err
