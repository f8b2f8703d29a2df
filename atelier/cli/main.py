"""The ``atelier`` command (messages in French)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table
from rich.text import Text

from atelier.cli.accounts import account_app
from atelier.cli.avis import avis_app, mandat_command, publish_record_command
from atelier.cli.context import (
    AppContext,
    app_context,
    french_errors,
    parse_date,
    parse_now,
    parse_paris_datetime,
    terminal,
)
from atelier.cli.doctor import doctor_command
from atelier.cli.engine import demo_command, serve_command
from atelier.cli.gates import gate_app
from atelier.cli.people import person_app
from atelier.cli.recruitment import panel_app
from atelier.cli.roles import dispatch_command, engine_command, web_command
from atelier.clock import PARIS, SimulatedClock
from atelier.config import Settings
from atelier.console_views import WIDE_LAYOUT_MIN_COLUMNS, date_notes, print_timeline
from atelier.db import transaction
from atelier.errors import AtelierError
from atelier.i18n import long_datetime, short_date
from atelier.logs import configure_logging
from atelier.planning.template import available_templates, get_template
from atelier.planning.timeline import RISK_LABELS, Risk, Timeline
from atelier.services.ateliers import AtelierCreate, create_atelier, get_atelier, list_ateliers
from atelier.services.rescheduling import reschedule_event
from atelier.services.timeline import (
    cancel_event,
    current_timeline,
    get_step,
    record_step_done,
    refresh_forecast,
    stages_of,
    steps_of,
)
from atelier.sheets.spreadsheet import decode_text
from models.enums import AVIS_FORM_LABELS, StepKind

app = typer.Typer(
    help="Atelier citoyen : du cadrage au droit de suite.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
step_app = typer.Typer(help="Étapes du calendrier.", no_args_is_help=True)
app.add_typer(step_app, name="step")
app.add_typer(person_app, name="person")
app.add_typer(gate_app, name="gate")
app.add_typer(account_app, name="compte")
app.add_typer(panel_app, name="panel")
app.add_typer(avis_app, name="avis")
app.command("publier")(publish_record_command)
app.command("mandat")(mandat_command)
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.command("web")(web_command)
app.command("engine")(engine_command)
app.command("dispatch")(dispatch_command)
app.command("doctor")(doctor_command)


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Dossier des données (base SQLite, courriels)."),
    ] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="URL SQLAlchemy (PostgreSQL…).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Journal détaillé.")] = False,
    now: Annotated[
        str | None,
        typer.Option("--now", help="Horloge simulée (AAAA-MM-JJTHH:MM, heure de Paris).", hidden=True),
    ] = None,
) -> None:
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    app_ctx = AppContext(settings=Settings(**overrides))
    settings = app_ctx.settings
    configure_logging(
        level="INFO" if verbose else settings.log_level, json_lines=settings.log_format == "json"
    )
    if now is not None:
        app_ctx.clock = SimulatedClock(parse_now(now))
    ctx.obj = app_ctx


@app.command("templates")
def templates_command() -> None:
    """Liste les modèles de démarche disponibles."""
    for template in available_templates().values():
        typer.echo(
            f"{template.key} : {template.name} — {template.citizens} citoyens, "
            f"{template.weekends} week-ends, {template.online_sessions} sessions en ligne, "
            f"avis en {template.horizon_months} mois"
        )


@app.command("create")
@french_errors
def create_command(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Fichier YAML décrivant l'atelier.")
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Titre.")] = None,
    commanditaire: Annotated[str | None, typer.Option(help="Ministère commanditaire.")] = None,
    question: Annotated[str | None, typer.Option(help="Question posée aux citoyens.")] = None,
    avis_form: Annotated[str | None, typer.Option("--avis-form", help="Forme de l'avis.")] = None,
    template: Annotated[str | None, typer.Option(help="Modèle de démarche.")] = None,
    decision_date: Annotated[
        str | None, typer.Option("--decision-date", help="Date de décision (AAAA-MM-JJ).")
    ] = None,
    slug: Annotated[str | None, typer.Option(help="Identifiant court.")] = None,
    departement: Annotated[
        str | None,
        typer.Option(
            "--departement", help="Département du lieu (75, 2A, 974…) : jours fériés et vacances scolaires."
        ),
    ] = None,
    past: Annotated[
        bool, typer.Option("--passe", help="Accepter une date de décision passée (atelier déjà engagé).")
    ] = False,
) -> None:
    """Crée un atelier et planifie son calendrier."""
    app_ctx = app_context(ctx)
    data: dict[str, Any] = {}
    if file is not None:
        data = _read_yaml(file)
    options = {
        "title": title,
        "commanditaire": commanditaire,
        "question": question,
        "avis_form": avis_form,
        "template": template,
        "slug": slug,
        "venue_departement": departement,
    }
    data.update({k: v for k, v in options.items() if v is not None})
    if decision_date is not None:
        data["decision_date"] = parse_date(decision_date, label="date de décision")
    atelier_in = AtelierCreate.model_validate(data)
    with transaction(app_ctx.engine) as session:
        atelier, timeline = create_atelier(
            session=session, atelier_in=atelier_in, now=app_ctx.now(), allow_past=past
        )
        if past:
            # Started in the past: what is not recorded as done is late, and the forecast says so.
            timeline = refresh_forecast(session=session, atelier=atelier, now=app_ctx.now())
    typer.echo(f"Atelier « {atelier.title} » créé (identifiant : {atelier.slug}).")
    typer.echo(
        f"Remise de l'avis prévue le {short_date(timeline.avis_end)} "
        f"(échéance {short_date(timeline.target_avis_date)}, marge {timeline.slack_days} j)."
    )
    if timeline.risk is not Risk.ON_TRACK:
        typer.echo(f"Attention : {RISK_LABELS[timeline.risk]}.")
        for reason in timeline.reasons:
            typer.echo(f"  - {reason}")
    weekends = {s.key: s.name for s in get_template(atelier.template_key).steps if s.kind is StepKind.WEEKEND}
    for line in date_notes(timeline, weekends):
        typer.echo(f"Week-end : {line}")


def _read_yaml(file: Path) -> dict[str, Any]:
    try:
        # Notepad and older editors on Windows save in Windows-1252: read what they write.
        loaded = yaml.safe_load(decode_text(file.read_bytes()))
    except FileNotFoundError:
        raise AtelierError(f"fichier introuvable : {file}") from None
    except OSError:
        raise AtelierError(f"le fichier {file} ne peut pas être lu") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" (ligne {where.line + 1})" if where is not None else ""
        raise AtelierError(f"fichier YAML illisible : {file}{line}") from None
    if not isinstance(loaded, dict):
        raise AtelierError(f"le fichier {file} doit décrire un atelier (clé : valeur)")
    return loaded


@app.command("list")
@french_errors
def list_command(ctx: typer.Context) -> None:
    """Liste les ateliers."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        ateliers = list_ateliers(session=session)
    if not ateliers:
        typer.echo("Aucun atelier. Créez-en un avec « atelier create ».")
        return
    console = terminal()
    if console.width < WIDE_LAYOUT_MIN_COLUMNS:
        for atelier in ateliers:
            forecast = short_date(atelier.forecast_avis_at) if atelier.forecast_avis_at else "—"
            console.print(Text(f"{atelier.slug} — {atelier.title}", style="bold"))
            console.print(
                Text(
                    f"  {atelier.commanditaire} · décision {short_date(atelier.decision_date)} · "
                    f"avis prévu {forecast} · {RISK_LABELS[Risk(atelier.risk)]}"
                )
            )
        return
    table = Table(title="Ateliers")
    table.add_column("Identifiant", no_wrap=True)
    table.add_column("Titre", overflow="fold")
    table.add_column("Commanditaire", overflow="fold")
    for column in ("Décision", "Avis prévu"):
        table.add_column(column, no_wrap=True)
    table.add_column("État", overflow="fold")
    for atelier in ateliers:
        table.add_row(
            Text(atelier.slug),
            Text(atelier.title),
            Text(atelier.commanditaire),
            short_date(atelier.decision_date),
            short_date(atelier.forecast_avis_at) if atelier.forecast_avis_at else "",
            RISK_LABELS[Risk(atelier.risk)],
        )
    console.print(table)


@app.command("show")
@french_errors
def show_command(
    ctx: typer.Context, slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")]
) -> None:
    """Affiche le calendrier : prévu, prévision, réalisé, chemin critique et risque."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        timeline = current_timeline(session=session, atelier=atelier, now=app_ctx.now())
        stages = stages_of(session=session, atelier=atelier)
        steps = steps_of(session=session, atelier=atelier)
        # Show the forecast as of now without writing it.
        path = set(timeline.critical_path)
        for step in steps:
            dates = timeline.steps[step.key]
            step.forecast_start, step.forecast_end = dates.start, dates.end
            step.on_critical_path = step.key in path
        session.expunge_all()
    print_timeline(terminal(), atelier, stages, steps, timeline)


def _echo_avis(timeline: Timeline) -> None:
    """Where the avis now stands, after a change to the calendar."""
    typer.echo(
        f"Remise de l'avis prévue le {short_date(timeline.avis_end)} "
        f"(marge {timeline.slack_days} j, {RISK_LABELS[timeline.risk]})."
    )
    for reason in timeline.reasons:
        typer.echo(f"  ⚠ {reason}")


@step_app.command("done")
@french_errors
def step_done_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    step_key: Annotated[str, typer.Argument(help="Étape (clé, voir « atelier show »).")],
    day: Annotated[str, typer.Option("--date", help="Date de réalisation (AAAA-MM-JJ).")],
    at: Annotated[str | None, typer.Option("--time", help="Heure (HH:MM), Paris.")] = None,
    link: Annotated[
        str | None, typer.Option("--lien", help="Adresse où le résultat est publié (avis, réponse).")
    ] = None,
) -> None:
    """Marque une étape comme faite à une date."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        step = get_step(session=session, atelier=atelier, key=step_key)
        done_at = parse_paris_datetime(day, at, default=step.planned_end.astimezone(PARIS).time())
        timeline = record_step_done(
            session=session,
            atelier=atelier,
            step_key=step_key,
            done_at=done_at,
            actor="cli",
            now=app_ctx.now(),
            public_url=link,
        )
        name = step.name
    typer.echo(f"Étape « {name} » faite le {short_date(done_at)}.")
    _echo_avis(timeline)


@step_app.command("cancel")
@french_errors
def step_cancel_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    step_key: Annotated[str, typer.Argument(help="Session en ligne à annuler (clé).")],
    reason: Annotated[str, typer.Option("--reason", help="Motif, pour le journal.")] = "",
) -> None:
    """Annule une session en ligne : les invitations sont retirées des agendas."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        step = cancel_event(
            session=session, atelier=atelier, step_key=step_key, reason=reason, now=app_ctx.now()
        )
        name = step.name
    typer.echo(f"« {name} » annulée ; les participants recevront une annulation d'agenda.")


@step_app.command("move")
@french_errors
def step_move_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    step_key: Annotated[str, typer.Argument(help="Rendez-vous à déplacer (clé).")],
    day: Annotated[
        str, typer.Option("--date", help="Nouvelle date (AAAA-MM-JJ ; un samedi pour un week-end).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Motif, pour le journal.")],
    at: Annotated[str | None, typer.Option("--time", help="Heure de début (HH:MM), Paris.")] = None,
) -> None:
    """Déplace un rendez-vous (week-end, réunion, session en ligne) à une nouvelle date."""
    app_ctx = app_context(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        step = get_step(session=session, atelier=atelier, key=step_key)
        start = parse_paris_datetime(day, at, default=step.forecast_start.astimezone(PARIS).time())
        timeline = reschedule_event(
            session=session, atelier=atelier, step_key=step_key, start=start, reason=reason, actor="cli",
            now=app_ctx.now(),
        )  # fmt: skip
        name = step.name
    new_start = long_datetime(timeline.steps[step_key].start)
    typer.echo(f"« {name} » déplacé au {new_start} ; les invités recevront la nouvelle date.")
    _echo_avis(timeline)


@app.command("avis-forms", hidden=True)
def avis_forms_command() -> None:
    """Formes d'avis possibles."""
    for form, label in AVIS_FORM_LABELS.items():
        typer.echo(f"{form.value} : {label}")


if __name__ == "__main__":
    app()
