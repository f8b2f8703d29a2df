"""``atelier person``: people and their roles, one by one or from a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import select

from atelier.cli.context import app_context, french_errors
from atelier.db import transaction
from atelier.errors import Refused
from atelier.french import count
from atelier.services.ateliers import get_atelier
from atelier.services.people import add_people, update_person
from atelier.sheets.people import parse_people_sheet
from atelier.sheets.spreadsheet import read_sheet
from models import Person
from models.person_in import validate_person
from models.types import pk

person_app = typer.Typer(help="Personnes et rôles.", no_args_is_help=True)


@person_app.command("add")
@french_errors
def person_add_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    name: Annotated[str, typer.Option("--name", help="Nom complet.")],
    email: Annotated[str, typer.Option("--email", help="Adresse e-mail.")],
    role: Annotated[str, typer.Option("--role", help="Rôle(s), séparés par « ; » (citoyen, expert…).")],
    organisation: Annotated[str | None, typer.Option(help="Organisation.")] = None,
) -> None:
    """Ajoute une personne à un atelier avec son ou ses rôles."""
    app_ctx = app_context(ctx)
    data: dict[str, Any] = {"full_name": name, "email": email, "roles": role}
    if organisation:
        data["organisation"] = organisation
    person_in = validate_person(data)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        add_people(session=session, atelier=atelier, people=[person_in], now=app_ctx.now())
    typer.echo(f"{person_in.full_name} ajouté(e) à l'atelier {slug}.")


@person_app.command("edit")
@french_errors
def person_edit_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    email: Annotated[str, typer.Argument(help="Adresse e-mail actuelle de la personne.")],
    name: Annotated[str | None, typer.Option("--name", help="Nouveau nom complet.")] = None,
    new_email: Annotated[str | None, typer.Option("--new-email", help="Nouvelle adresse e-mail.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Nouvelle organisation.")] = None,
) -> None:
    """Corrige le nom, l'adresse ou l'organisation d'une personne de l'atelier."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
        if person is None:
            raise Refused(f"aucune personne n'a l'adresse {email}")
        details = validate_person(
            {
                "full_name": name if name is not None else person.full_name,
                "email": new_email if new_email is not None else person.email,
                "organisation": (organisation if organisation is not None else person.organisation) or None,
                "roles": [],
            }
        )
        fields = update_person(
            session=session, atelier=atelier, person_id=pk(person), details=details, now=app_ctx.now(),
            actor="cli",
        )  # fmt: skip
    typer.echo(f"{details.full_name} : coordonnées modifiées." if fields else "Aucune modification.")


@person_app.command("import")
@french_errors
def person_import_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    sheet_file: Annotated[
        Path,
        typer.Argument(
            help="Fichier CSV ou Excel (.xlsx) : nom (ou prénom et nom), email, rôle[, organisation]."
        ),
    ],
) -> None:
    """Importe des personnes depuis un tableur, CSV ou Excel (tout ou rien)."""
    app_ctx = app_context(ctx)
    try:
        data = sheet_file.read_bytes()
    except FileNotFoundError:
        raise Refused(f"fichier introuvable : {sheet_file}") from None
    except OSError:
        raise Refused(f"le fichier {sheet_file} ne peut pas être lu") from None
    imported = parse_people_sheet(read_sheet(data, name=sheet_file.name))
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        add_people(session=session, atelier=atelier, people=imported.people, now=app_ctx.now())
    if imported.ignored_columns:
        typer.echo("Colonnes ignorées : " + ", ".join(f"« {c} »" for c in imported.ignored_columns) + ".")
    typer.echo(
        f"{count(len(imported.people), 'personne importée', 'personnes importées')} dans l'atelier {slug}."
    )
    international = [p.email for p in imported.people if not p.email.isascii()]
    if international:
        typer.echo(
            f"Attention : {count(len(international), 'adresse contient', 'adresses contiennent')} des "
            "caractères accentués ; "
            + ("elle ne sera remise" if len(international) == 1 else "elles ne seront remises")
            + " que si le serveur d'envoi accepte les adresses internationalisées (SMTPUTF8)."
        )
