"""``atelier gate``: the COPIL's decisions, listed, recorded as taken in a meeting, revised."""

from __future__ import annotations

from typing import Annotated

import typer

from atelier.cli.context import app_context, french_errors
from atelier.db import transaction
from atelier.errors import Refused
from atelier.french import of
from atelier.i18n import long_datetime, short_date
from atelier.services.ateliers import get_atelier
from atelier.services.gates import (
    STATUS_LABELS,
    decide,
    describe_round,
    find_member,
    gate_members,
    gates_of,
    get_gate,
    outcome_label,
    record_revision,
    round_decisions,
)
from models.enums import OUTCOME_ALIASES, DecisionChannel
from models.types import pk

gate_app = typer.Typer(help="Décisions du COPIL (et validation de l'avis).", no_args_is_help=True)


@gate_app.command("list")
@french_errors
def gate_list_command(
    ctx: typer.Context, slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")]
) -> None:
    """Liste les décisions de l'atelier, leur état et les réponses reçues."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        lines = []
        for gate in gates_of(session=session, atelier=atelier):
            lines.append(
                f"{gate.key} : {describe_round(session=session, gate=gate)} ; "
                f"échéance {short_date(gate.due_at)}"
            )
            names = {pk(p): p.full_name for p in gate_members(session=session, gate=gate)}
            for decision in round_decisions(session=session, gate=gate):
                comment = f" — « {decision.comment} »" if decision.comment else ""
                lines.append(
                    f"    {names.get(decision.person_id, '?')} : {outcome_label(decision.outcome)}{comment}"
                )
    for line in lines:
        typer.echo(line)


@gate_app.command("decide")
@french_errors
def gate_decide_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    gate_key: Annotated[str, typer.Argument(help="Décision (clé, voir « atelier gate list »).")],
    member: Annotated[str, typer.Option("--member", help="E-mail du membre qui décide.")],
    outcome: Annotated[str, typer.Option("--outcome", help="approuver, renvoyer ou rejeter.")],
    comment: Annotated[
        str | None, typer.Option("--comment", help="Commentaire (obligatoire pour un renvoi).")
    ] = None,
) -> None:
    """Enregistre la décision d'un membre prise en séance du COPIL."""
    chosen = OUTCOME_ALIASES.get(outcome.strip().lower())
    if chosen is None:
        raise Refused(f"décision inconnue « {outcome} » (approuver, renvoyer ou rejeter)")
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        get_gate(session=session, atelier=atelier, key=gate_key)  # an unknown gate is reported first
        person = find_member(session=session, email=member)
        result = decide(
            session=session,
            atelier=atelier,
            gate_key=gate_key,
            person=person,
            outcome=chosen,
            comment=comment,
            channel=DecisionChannel.MEETING,
            now=app_ctx.now(),
        )
        name = person.full_name
    typer.echo(f"Décision {of(name)} enregistrée : {outcome_label(chosen)}.")
    if result.closed_now:
        typer.echo(f"Le quorum est atteint : la décision est {STATUS_LABELS[result.gate_status]}.")
    typer.echo("Le moteur (atelier serve) en tient compte dans les secondes qui suivent.")


@gate_app.command("revise")
@french_errors
def gate_revise_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    gate_key: Annotated[str, typer.Argument(help="Décision renvoyée pour reprise.")],
    note: Annotated[
        str, typer.Option("--note", help="Ce qui a changé, en une phrase (transmis aux membres).")
    ],
) -> None:
    """Enregistre la version révisée d'une décision renvoyée pour reprise.

    Les membres sont alors sollicités à nouveau, avec votre note.
    """
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        gate = record_revision(
            session=session, atelier=atelier, gate_key=gate_key, note=note, now=app_ctx.now()
        )
        name, due = gate.name, gate.due_at
    typer.echo(f"Version révisée de « {name} » enregistrée.")
    typer.echo(
        f"Les membres recevront une nouvelle demande de décision, attendue avant le {long_datetime(due)}."
    )
