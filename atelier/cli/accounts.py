"""``atelier compte``: workspace accounts (the first administrator is created here)."""

from __future__ import annotations

from typing import Annotated

import typer

from atelier.cli.context import app_context, french_errors
from atelier.db import transaction
from atelier.services.accounts import add_account, invite_account

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
    """Crée un compte et envoie à la personne un message indiquant comment se connecter."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        account = add_account(session=session, email=email, full_name=name, is_admin=admin, now=app_ctx.now())
        invite_account(session=session, account=account, settings=app_ctx.settings, now=app_ctx.now())
    kind = "administrateur" if admin else "compte"
    typer.echo(
        f"Compte créé ({kind}) pour {email.strip().lower()} ; un message lui indique comment se connecter."
    )
    typer.echo(f"Connexion : {app_ctx.settings.public_base_url.rstrip('/')}/connexion")
