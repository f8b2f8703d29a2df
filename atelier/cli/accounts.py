"""``atelier compte``: workspace accounts (the first administrator is created here)."""

from __future__ import annotations

from typing import Annotated

import typer

from atelier.cli.context import app_context, french_errors
from atelier.db import transaction
from atelier.services.accounts import add_account

account_app = typer.Typer(help="Comptes de l'espace de travail.", no_args_is_help=True)


@account_app.command("ajouter")
@french_errors
def account_add_command(
    ctx: typer.Context,
    email: Annotated[str, typer.Option("--email", help="Adresse e-mail (sert à se connecter).")],
    name: Annotated[str, typer.Option("--nom", help="Nom complet.")],
    admin: Annotated[
        bool, typer.Option("--admin", help="Administrateur : crée les comptes et voit tous les ateliers.")
    ] = False,
) -> None:
    """Crée un compte ; la personne se connecte en recevant un lien à cette adresse."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        add_account(session=session, email=email, full_name=name, is_admin=admin, now=app_ctx.now())
    kind = "administrateur" if admin else "compte"
    typer.echo(f"Compte créé ({kind}) pour {email.strip().lower()}.")
    typer.echo(f"Connexion : {app_ctx.settings.public_base_url.rstrip('/')}/connexion")
