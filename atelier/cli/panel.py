"""``atelier panel``: the lottery on its own, from files, and its verification by anyone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atelier.cli.context import french_errors
from atelier.cli.lottery_progress import MaxSeconds, outcome, watched
from atelier.i18n import percent
from atelier.panel.run import run_lottery, verify, write_results

panel_app = typer.Typer(help="Tirage au sort du panel.", no_args_is_help=True)


@panel_app.command("lottery")
@french_errors
def lottery_command(
    pool: Annotated[
        Path, typer.Option("--pool", help="Volontaires (CSV ou .xlsx), une colonne par critère.")
    ],
    quotas: Annotated[Path, typer.Option("--quotas", help="Quotas : critère, valeur, min, max.")],
    size: Annotated[int, typer.Option("--size", help="Taille du panel.")],
    seed: Annotated[str, typer.Option("--seed", help="Nombre annoncé à l'avance pour le tirage.")],
    out: Annotated[Path, typer.Option("--out", help="Dossier des résultats.")],
    algorithm: Annotated[
        str, typer.Option("--algorithm", help="maximin (par défaut) ou leximin.")
    ] = "maximin",
    max_seconds: MaxSeconds = None,
) -> None:
    """Calcule les chances de chacun (MAXIMIN ou LEXIMIN), scelle le tirage et tire le panel."""
    with watched(max_seconds) as watch:
        lottery = run_lottery(pool, quotas, size, seed, algorithm, watch)
    write_results(lottery, seed, out)
    fair = size / len(lottery.pool.ids)
    typer.echo(f"Empreinte publiée : {lottery.commitment}")
    typer.echo(
        f"Plus faible probabilité : {percent(lottery.distribution.minimum, 2)} "
        f"(sans quotas : {percent(fair, 2)}) ; "
        f"{len(lottery.distribution.compositions)} compositions possibles."
    )
    typer.echo(outcome(lottery.distribution, watch.seconds))
    typer.echo(f"Panel de {len(lottery.draw.panel)} personnes écrit dans {out / 'panel.csv'}.")


@panel_app.command("verifier")
@french_errors
def verify_command(
    out: Annotated[Path, typer.Argument(help="Dossier publié (avec publication.json).")],
    seed: Annotated[str, typer.Option("--seed", help="Nombre annoncé pour le tirage.")],
) -> None:
    """Refait le tirage à partir des fichiers publiés et affiche l'empreinte et le panel."""
    sealed, result = verify(out, seed)
    typer.echo(f"Empreinte recalculée : {sealed}")
    typer.echo("Panel : " + ", ".join(result.panel))
    typer.echo("Réserve, dans l'ordre d'appel : " + (", ".join(result.reserves) or "aucune"))
