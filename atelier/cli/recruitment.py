"""``atelier panel`` in an atelier: the pool, the quotas, the seal, the draw, the replacements.

The same operations as the workspace's recruitment page, each in one transaction. Adds its
commands to ``panel_app``, which the main command takes from here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from atelier.cli.context import app_context, french_errors, french_os_error
from atelier.cli.panel import panel_app
from atelier.db import transaction
from atelier.errors import Refused
from atelier.french import count
from atelier.panel.criteria import default_criteria, quotas_from_shares
from atelier.panel.model import read_quotas
from atelier.services.ateliers import get_atelier, template_of
from atelier.services.recruitment import (
    draw_panel,
    find_lottery,
    import_pool,
    published_of,
    seal,
    set_quotas,
    volunteers_of,
)
from atelier.services.replacements import (
    METHOD_LABELS,
    REASON_LABELS,
    approve_replacement,
    replacements_of,
)
from atelier.services.spreadsheet import read_sheet
from models.enums import ReplacementStatus, VolunteerStatus

__all__ = ["panel_app"]

SLUG = Annotated[str, typer.Argument(help="Identifiant de l'atelier.")]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise Refused(french_os_error(error), "cannot read file") from None


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
    sheet = read_sheet(_read(file), name=file.name)
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
    file: Annotated[Path | None, typer.Option("--file", help="Quotas : category,feature,min,max.")] = None,
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
            quotas = read_quotas(read_sheet(_read(file), name=file.name))
        else:
            quotas = quotas_from_shares(default_criteria(), template_of(atelier).citizens)
        change = set_quotas(session=session, atelier=atelier, quotas=quotas, now=app_ctx.now(), actor="cli")
    typer.echo(f"{count(len(quotas), 'quota enregistré', 'quotas enregistrés')}.")
    if change.asked_again:
        typer.echo("Le COPIL avait approuvé les quotas précédents : une nouvelle décision lui est demandée.")


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
) -> None:
    """Calcule les chances de chacun et publie l'empreinte du tirage, avant que la graine soit connue."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        lottery = seal(
            session=session, atelier=atelier, size=size, now=app_ctx.now(), actor="cli", algorithm=algorithm
        )
        commitment = lottery.commitment
    typer.echo(f"Tirage scellé. Empreinte à publier avant le tirage : {commitment}")


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
    out: Annotated[Path, typer.Option("--out", help="Dossier où écrire publication.json.")],
) -> None:
    """Écrit le fichier publié du tirage (vivier pseudonyme, quotas, probabilités) pour « verifier »."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        lottery = find_lottery(session=session, atelier=get_atelier(session=session, slug=slug))
        if lottery is None:
            raise Refused("le tirage n'est pas encore scellé", "lottery not sealed")
        published = published_of(lottery)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "publication.json").write_text(
            json.dumps(published, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    except OSError as error:
        raise Refused(french_os_error(error), "cannot write publication") from None
    typer.echo(f"Publication écrite dans {out / 'publication.json'}.")


@panel_app.command("remplacements")
@french_errors
def replacements_command(ctx: typer.Context, slug: SLUG) -> None:
    """Liste les désistements et les remplaçants proposés."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        by_id = {v.id: v for v in volunteers_of(session=session, atelier=atelier)}
        lines = []
        for r in replacements_of(session=session, atelier=atelier):
            newcomer = by_id[r.replacement_id].reference if r.replacement_id else "aucun"
            state = {
                ReplacementStatus.PROPOSED: "à approuver",
                ReplacementStatus.APPROVED: "approuvé",
                ReplacementStatus.WITHDRAWN: "sans objet",
            }[r.status]
            lines.append(
                f"n°{r.id} : {by_id[r.dropped_id].reference} {REASON_LABELS[r.reason]} → {newcomer} "
                f"({METHOD_LABELS[r.method]}) — {state}"
            )
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
