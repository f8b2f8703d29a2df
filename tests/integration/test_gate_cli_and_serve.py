"""Decisions taken in a COPIL meeting, recorded from the CLI, and picked up by the running engine."""

from __future__ import annotations

from sqlmodel import select

from atelier.db import transaction
from atelier.demo.cast import COPIL
from atelier.serve import EngineWorker, EventWatcher
from flows.lifecycle import advance_without_prefect
from models import Decision
from models.enums import DecisionChannel, GateStatus
from tests.integration.helpers import World, gate_of, run_cli, to_asking_time, until_open


def _email(name: str) -> str:
    from atelier.demo.cast import _email as cast_email

    return cast_email(name)


def test_meeting_decisions_from_the_cli(world: World) -> None:
    """The team records members' decisions in French; bad outcome or a stranger is refused."""
    until_open(world, "copil_1")
    code, out, _ = run_cli(world, "gate", "list", world.slug)
    assert code == 0 and "copil_1 : COPIL n°1" in out and "ouverte, tour 1" in out
    code, _, err = run_cli(
        world, "gate", "decide", world.slug, "copil_1", "--member", _email(COPIL[0]), "--outcome", "peut-être"
    )
    assert code == 1 and "décision inconnue" in err
    code, _, err = run_cli(
        world,
        "gate",
        "decide",
        world.slug,
        "copil_1",
        "--member",
        "inconnu@example.org",
        "--outcome",
        "approuver",
    )
    assert code == 1 and "personne inconnue" in err
    for name in COPIL[:3]:
        code, out, err = run_cli(
            world, "gate", "decide", world.slug, "copil_1", "--member", _email(name), "--outcome", "approuver"
        )
        assert code == 0, err
    assert "Le quorum est atteint : la décision est approuvée." in out
    with transaction(world.runtime.engine) as session:
        channels = {d.channel for d in session.exec(select(Decision)).all() if d.round == 1}
    assert DecisionChannel.MEETING in channels


def test_running_engine_picks_up_cli_decisions(world: World) -> None:
    """The serve watcher sees decisions recorded elsewhere and advances the atelier."""
    until_open(world, "cahier_des_charges_valide")
    worker = EngineWorker(world.runtime, lambda slug, now: advance_without_prefect(world.runtime, slug, now))
    watcher = EventWatcher(world.runtime, worker)
    worker.start()
    try:
        assert watcher.check() == []
        for name in COPIL[:3]:
            assert (
                run_cli(
                    world,
                    "gate",
                    "decide",
                    world.slug,
                    "cahier_des_charges_valide",
                    "--member",
                    _email(name),
                    "--outcome",
                    "approuver",
                )[0]
                == 0
            )
        to_asking_time(world, "copil_1")  # the engine then finds COPIL n°1 to ask
        assert watcher.check() == [world.slug]
    finally:
        worker.stop()  # processes what is queued, then ends
    assert gate_of(world, "copil_1").status is GateStatus.OPEN
    assert worker.runs >= 1
