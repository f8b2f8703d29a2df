"""``atelier doctor``: the deployment's configuration checked before real users rely on it."""

from __future__ import annotations

import os

import typer

from atelier.cli.context import app_context, french_errors
from atelier.db import make_engine
from atelier.french import count
from atelier.services.doctor import check_connections, check_settings


@french_errors
def doctor_command(ctx: typer.Context) -> None:
    """Vérifie la configuration d'un déploiement : adresse publique, clé, SMTP chiffré, base de données."""
    settings = app_context(ctx).settings
    engine = make_engine(settings.resolved_database_url)  # not migrated: the check says if it must be
    try:
        findings = check_settings(
            settings, settings.resolved_secret_key(), prefect_api_url=os.environ.get("PREFECT_API_URL")
        )
        findings += check_connections(settings, engine)
    finally:
        engine.dispose()
    for finding in findings:
        mark = "✔" if finding.ok else ("✘" if finding.blocking else "⚠")
        typer.echo(f"{mark} {finding.text}")
    blocking = [f for f in findings if not f.ok and f.blocking]
    if blocking:
        typer.echo(f"{count(len(blocking), 'point')} à corriger avant la mise en service.", err=True)
        raise typer.Exit(code=1)
    typer.echo("Configuration prête pour la mise en service.")
