"""``atelier panel`` in an atelier: the pool, the quotas, the seal, the draw, the replacements.

The same operations as the workspace's recruitment page, each in one transaction. Adds its
commands to ``panel_app``, which the main command takes from here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atelier.cli.context import app_context, french_errors, french_os_error, read_input
from atelier.cli.lottery_progress import MaxSeconds, progress_reporter
from atelier.cli.panel import panel_app
from atelier.db import transaction
from atelier.errors import Refused
from atelier.french import count
from atelier.panel.criteria import default_criteria, quotas_from_shares, read_targets
from atelier.panel.report import optimality_sentence
from atelier.panel.run import write_publication
from atelier.planning.template import template_of
from atelier.services.ateliers import get_atelier
from atelier.services.panel_report import publication_of
from atelier.services.panel_settings import set_panel_settings
from atelier.services.recruitment import (
    draw_panel,
    find_lottery,
    import_pool,
    published_of,
    set_quotas,
    volunteers_of,
)
from atelier.services.replacements import approve_replacement, replacement_views
from atelier.services.sealing import carry_out_seal, new_run, request_seal
from atelier.sheets.spreadsheet import read_sheet
from models import PanelLottery
from models.enums import VolunteerStatus

__all__ = ["panel_app"]

SLUG = Annotated[str, typer.Argument(help="Identifiant de l'atelier.")]


@panel_app.command("vivier")
@french_errors
def pool_command(
    ctx: typer.Context,
    slug: SLUG,
    file: Annotated[
        Path, typer.Argument(help="Inscriptions (CSV ou .xlsx) : nom, email, consentement, critères.")
    ],
) -> None:
    """Ajoute au vivier les volontaires d'un fichier d'inscriptions."""
    app_ctx = app_context(ctx)
    sheet = read_sheet(read_input(file), name=file.name)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        result = import_pool(session=session, atelier=atelier, sheet=sheet, now=app_ctx.now(), actor="cli")
    typer.echo(f"{count(len(result.volunteers), 'volontaire ajouté', 'volontaires ajoutés')} au vivier.")
    for line in result.duplicates:
        typer.echo(f"Doublon écarté, {line}")
    for _, line in result.set_aside:
        typer.echo(f"Hors tirage (une personne par foyer), {line}")
    if result.without_consent:
        lines = ", ".join(str(n) for n in result.without_consent)
        typer.echo(f"Sans consentement, non importés : lignes {lines}")


@panel_app.command("quotas")
@french_errors
def quotas_command(
    ctx: typer.Context,
    slug: SLUG,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Quotas : critère, valeur, min, max, ou critère, valeur, part (parts de la population).",
        ),
    ] = None,
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults", help="Critères INSEE par défaut, bornes tirées des parts de la population."
        ),
    ] = False,
) -> None:
    """Enregistre les quotas du panel (soumis à l'approbation du COPIL n°1)."""
    app_ctx = app_context(ctx)
    if (file is None) == (not defaults):
        raise Refused("indiquez soit --file, soit --defaults", "quotas source missing")
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        if file is not None:
            quotas = read_targets(read_sheet(read_input(file), name=file.name), template_of(atelier).citizens)
        else:
            quotas = quotas_from_shares(default_criteria(), template_of(atelier).citizens)
        change = set_quotas(session=session, atelier=atelier, quotas=quotas, now=app_ctx.now(), actor="cli")
    typer.echo(f"{count(len(quotas), 'quota enregistré', 'quotas enregistrés')}.")
    if change.asked_again:
        typer.echo("Le COPIL avait approuvé les quotas précédents : une nouvelle décision lui est demandée.")


@panel_app.command("reglages")
@french_errors
def settings_command(
    ctx: typer.Context,
    slug: SLUG,
    household: Annotated[
        bool | None,
        typer.Option(
            "--un-par-foyer/--plusieurs-par-foyer",
            help="Une seule personne par foyer (même adresse) dans le tirage.",
            show_default=False,
        ),
    ] = None,
    automatic: Annotated[
        bool | None,
        typer.Option(
            "--remplacements-automatiques/--remplacements-a-approuver",
            help="Le moteur approuve lui-même les remplaçants qu'il propose.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Affiche ou modifie les réglages du recrutement."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        if household is None and automatic is None:  # shown, not created: the defaults until then
            lottery = find_lottery(session=session, atelier=atelier) or PanelLottery(atelier_id=0)
        else:
            lottery = set_panel_settings(
                session=session,
                atelier=atelier,
                now=app_ctx.now(),
                actor="cli",
                one_per_household=household,
                auto_approve_replacements=automatic,
            )
        lines = [
            "Une personne par foyer : " + ("oui" if lottery.one_per_household else "non"),
            "Remplaçants approuvés par le moteur : "
            + ("oui" if lottery.auto_approve_replacements else "non"),
        ]
    typer.echo("\n".join(lines))


@panel_app.command("sceller")
@french_errors
def seal_command(
    ctx: typer.Context,
    slug: SLUG,
    size: Annotated[
        int | None, typer.Option("--size", help="Taille du panel (par défaut, celle du modèle).")
    ] = None,
    algorithm: Annotated[
        str, typer.Option("--algorithm", help="maximin (par défaut) ou leximin.")
    ] = "maximin",
    max_seconds: MaxSeconds = None,
) -> None:
    """Calcule les chances de chacun et publie l'empreinte du tirage, avant que la graine soit connue.

    Le calcul se fait ici, en affichant sa progression ; la page Recrutement le montre en cours."""
    app_ctx = app_context(ctx)
    run = new_run()
    with transaction(app_ctx.engine) as session:
        request_seal(
            session=session, atelier=get_atelier(session=session, slug=slug), size=size, now=app_ctx.now(),
            actor="cli", algorithm=algorithm, max_seconds=max_seconds, run=run,
        )  # fmt: skip
    with progress_reporter() as report:
        sealed = carry_out_seal(app_ctx.engine, app_ctx.clock, slug, run=run, report=report)
    if sealed is None or sealed.lottery is None:
        failure = sealed.failure if sealed is not None else None
        raise Refused(failure or "le scellement a été pris en charge ailleurs", "seal not completed")
    typer.echo(f"Tirage scellé. Empreinte à publier avant le tirage : {sealed.lottery.commitment}")
    optimality = optimality_sentence(published_of(sealed.lottery))
    if optimality:
        typer.echo(optimality)


@panel_app.command("tirer")
@french_errors
def draw_command(
    ctx: typer.Context,
    slug: SLUG,
    seed: Annotated[str, typer.Option("--seed", help="Nombre annoncé à l'avance pour le tirage.")],
) -> None:
    """Tire le panel et la liste de réserve ; les personnes tirées sont invitées à confirmer."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        draw_panel(session=session, atelier=atelier, seed=seed, now=app_ctx.now(), actor="cli")
        panel = volunteers_of(session=session, atelier=atelier, status=VolunteerStatus.SELECTED)
        reserves = volunteers_of(session=session, atelier=atelier, status=VolunteerStatus.RESERVE)
        names = [f"{v.reference} {v.full_name}" for v in panel]
    typer.echo(
        f"Panel de {count(len(names), 'citoyen')} tiré ; "
        f"liste de réserve : {count(len(reserves), 'personne')}."
    )
    for name in names:
        typer.echo(f"  {name}")


@panel_app.command("publier")
@french_errors
def publish_command(
    ctx: typer.Context,
    slug: SLUG,
    out: Annotated[Path, typer.Option("--out", help="Dossier où écrire les fichiers publiés.")],
) -> None:
    """Écrit ce qui se publie du tirage, sans donnée personnelle : publication.json (pour
    « verifier »), le rapport (report.html, report.csv) et la chance de chacun (probabilities.csv)."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        publication = publication_of(session=session, atelier=atelier)
        title = atelier.title
    try:
        write_publication(publication.published, publication.report, out, title=title)
    except OSError as error:
        raise Refused(french_os_error(error), "cannot write publication") from None
    typer.echo(f"Publication, rapport et probabilités écrits dans {out}.")


@panel_app.command("remplacements")
@french_errors
def replacements_command(ctx: typer.Context, slug: SLUG) -> None:
    """Liste les désistements et les remplaçants proposés."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        lines = [f"n°{r.id} : {r.sentence}" for r in replacement_views(session=session, atelier=atelier)]
    typer.echo("\n".join(lines) if lines else "Aucun désistement.")


@panel_app.command("approuver")
@french_errors
def approve_command(
    ctx: typer.Context,
    slug: SLUG,
    number: Annotated[int, typer.Argument(help="Numéro du remplacement (voir « remplacements »).")],
) -> None:
    """Approuve un remplacement : le remplaçant est invité à confirmer sa participation."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        approve_replacement(
            session=session, atelier=atelier, replacement_id=number, now=app_ctx.now(), actor="cli"
        )
    typer.echo(f"Remplacement n°{number} approuvé : l'invitation part au prochain passage du moteur.")
