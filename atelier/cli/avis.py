"""``atelier avis``: the avis as validated, the commanditaire's answers; ``atelier publier``: the
public record as static files. The same operations as the workspace, each in one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atelier.avis.sheets import AnswerIn, read_answers, read_proposals, read_status
from atelier.cli.context import app_context, french_errors, french_os_error, parse_date, read_input
from atelier.db import transaction
from atelier.errors import Refused
from atelier.french import count
from atelier.services.ateliers import get_atelier
from atelier.services.avis import publish_answers, publish_avis, record_answers, record_avis
from atelier.services.follow_up import read_state, record_update
from atelier.services.mandat import mandat_of
from atelier.services.public_files import mandat_html, write_record
from atelier.services.public_record import public_record
from atelier.sheets.spreadsheet import decode_text, read_sheet

avis_app = typer.Typer(help="L'avis des citoyens et les réponses du commanditaire.", no_args_is_help=True)
SLUG = Annotated[str, typer.Argument(help="Identifiant de l'atelier.")]


@avis_app.command("enregistrer")
@french_errors
def record_command(
    ctx: typer.Context,
    slug: SLUG,
    text: Annotated[Path, typer.Option("--texte", help="Le texte de l'avis (fichier texte).")],
    proposals: Annotated[
        Path, typer.Option("--propositions", help="Propositions (CSV ou .xlsx) : numéro, titre, texte…")
    ],
    validated: Annotated[
        str, typer.Option("--valide-le", help="Date de validation par les citoyens (AAAA-MM-JJ).")
    ],
    note: Annotated[
        str | None, typer.Option("--note", help="Ce qui change (à partir de la version 2).")
    ] = None,
) -> None:
    """Enregistre l'avis tel que les citoyens l'ont validé, à relire puis publier
    (« atelier avis publier »)."""
    app_ctx = app_context(ctx)
    read = read_proposals(read_sheet(read_input(proposals), name=proposals.name))
    body = decode_text(read_input(text))
    day = parse_date(validated, label="date de validation")
    with transaction(app_ctx.engine) as session:
        version = record_avis(
            session=session,
            atelier=get_atelier(session=session, slug=slug),
            text=body,
            proposals=read,
            validated_on=day,
            note=note,
            now=app_ctx.now(),
            actor="cli",
        )
        number, digest = version.version, version.digest
    typer.echo(
        f"Avis enregistré (version {number}, {count(len(read), 'proposition')}) ; empreinte : {digest}"
    )
    typer.echo(f"Il sera public une fois publié : atelier avis publier {slug}")


@avis_app.command("publier")
@french_errors
def publish_avis_command(ctx: typer.Context, slug: SLUG) -> None:
    """Publie la version enregistrée de l'avis : elle paraît dans le compte rendu public et ne se
    modifie plus."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        version = publish_avis(
            session=session, atelier=get_atelier(session=session, slug=slug), now=app_ctx.now(), actor="cli"
        ).version
    typer.echo(f"Avis publié (version {version}) : il paraît dans le compte rendu public.")


@avis_app.command("repondre")
@french_errors
def answer_command(
    ctx: typer.Context,
    slug: SLUG,
    file: Annotated[
        Path | None, typer.Option("--fichier", help="Réponses (CSV ou .xlsx) : numéro, statut, motif…")
    ] = None,
    number: Annotated[int | None, typer.Option("--numero", help="Une seule proposition.")] = None,
    status: Annotated[
        str | None, typer.Option("--statut", help="retenue, retenue en partie, à l'étude, non retenue.")
    ] = None,
    reason: Annotated[str | None, typer.Option("--motif", help="Obligatoire sauf pour « retenue ».")] = None,
    carrier: Annotated[str | None, typer.Option("--porteur", help="Direction ou service.")] = None,
    instrument: Annotated[str | None, typer.Option("--instrument", help="Loi, décret, budget…")] = None,
    due: Annotated[str | None, typer.Option("--echeance", help="AAAA-MM-JJ.")] = None,
) -> None:
    """Enregistre la réponse du commanditaire, proposition par proposition (non publiée)."""
    app_ctx = app_context(ctx)
    if file is not None:
        answers = read_answers(read_sheet(read_input(file), name=file.name))
    elif number is not None and status is not None:
        day = parse_date(due, label="échéance") if due else None
        answers = [AnswerIn(number, read_status(status), reason, carrier, instrument, day)]
    else:
        raise Refused("indiquez soit --fichier, soit --numero et --statut", "answer source missing")
    with transaction(app_ctx.engine) as session:
        recorded = record_answers(
            session=session,
            atelier=get_atelier(session=session, slug=slug),
            answers=answers,
            now=app_ctx.now(),
            actor="cli",
        )
    recorded_text = count(recorded, "réponse enregistrée", "réponses enregistrées")
    typer.echo(f"{recorded_text} ; à publier avec « atelier avis publier-reponses ».")


@avis_app.command("publier-reponses")
@french_errors
def publish_answers_command(ctx: typer.Context, slug: SLUG) -> None:
    """Publie les réponses enregistrées : elles paraissent dans le compte rendu public."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        published = publish_answers(
            session=session, atelier=get_atelier(session=session, slug=slug), now=app_ctx.now(), actor="cli"
        )
    typer.echo(f"{count(published, 'réponse publiée', 'réponses publiées')}.")


@avis_app.command("suivi")
@french_errors
def update_command(
    ctx: typer.Context,
    slug: SLUG,
    number: Annotated[int, typer.Argument(help="Numéro de la proposition.")],
    state: Annotated[str, typer.Option("--etat", help="à venir, en cours, réalisée, abandonnée.")],
    text: Annotated[str, typer.Option("--texte", help="Ce qui a été fait ou décidé.")],
    link: Annotated[str | None, typer.Option("--lien", help="Où le constater (https://…).")] = None,
) -> None:
    """Ajoute un point d'étape au suivi d'une proposition ; les citoyens en sont informés dans la
    lettre de la semaine."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        record_update(
            session=session,
            atelier=get_atelier(session=session, slug=slug),
            number=number,
            state=read_state(state),
            text=text,
            evidence_url=link,
            now=app_ctx.now(),
            actor="cli",
        )
    typer.echo(f"Point d'étape enregistré pour la proposition n°{number}.")


@french_errors
def publish_record_command(
    ctx: typer.Context,
    slug: SLUG,
    out: Annotated[
        Path,
        typer.Option("--out", help="Dossier où écrire index.html, avis.json, reponses.csv, mandat.html."),
    ],
) -> None:
    """Écrit le compte rendu public de l'atelier en fichiers statiques, sans donnée personnelle."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        record = public_record(session=session, atelier=atelier)
        mandat = mandat_of(session=session, atelier=atelier, team_email=app_ctx.settings.team_email)
    try:
        write_record(record, mandat, out)
    except OSError as error:
        raise Refused(french_os_error(error), "cannot write the public record") from None
    summary = " ; ".join(f"{label} : {n}" for label, n in record.summary)
    typer.echo(
        f"Compte rendu public écrit dans {out} (index.html, avis.json, reponses.csv, mandat.html). "
        f"Réponses : {summary}."
    )


@french_errors
def mandat_command(
    ctx: typer.Context,
    slug: SLUG,
    out: Annotated[Path, typer.Option("--out", help="Fichier HTML à écrire (à relire, imprimer en PDF).")],
) -> None:
    """Rédige le mandat de participation à partir des données de l'atelier, pour relecture."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        mandat = mandat_of(
            session=session,
            atelier=get_atelier(session=session, slug=slug),
            team_email=app_ctx.settings.team_email,
        )
    try:
        out.write_text(mandat_html(mandat), encoding="utf-8")
    except OSError as error:
        raise Refused(french_os_error(error), "cannot write the mandat") from None
    typer.echo(
        f"Mandat de participation écrit dans {out} : relisez-le avant de l'envoyer avec les invitations."
    )
