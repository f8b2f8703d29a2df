"""The ``atelier`` command (messages in French)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from atelier.cli.context import (
    AppContext,
    french_errors,
    parse_date,
    parse_now,
    parse_paris_datetime,
)
from atelier.cli.views import WIDE_LAYOUT_MIN_COLUMNS, print_timeline
from atelier.clock import PARIS, SimulatedClock
from atelier.config import Settings
from atelier.db import transaction
from atelier.errors import AtelierError, Refused
from atelier.i18n import short_date
from atelier.planning.template import builtin_templates
from atelier.planning.timeline import RISK_LABELS, Risk
from atelier.services.ateliers import AtelierCreate, create_atelier, get_atelier, list_ateliers
from atelier.services.gates import (
    STATUS_LABELS,
    decide,
    describe_round,
    find_member,
    gate_members,
    gates_of,
    get_gate,
    outcome_label,
    round_decisions,
)
from atelier.services.people import add_people, parse_people_sheet, validate_person
from atelier.services.spreadsheet import decode_text, read_sheet
from atelier.services.timeline import (
    cancel_event,
    current_timeline,
    get_step,
    record_step_done,
    refresh_forecast,
    stages_of,
    steps_of,
)
from models.enums import AVIS_FORM_LABELS, OUTCOME_ALIASES, DecisionChannel
from models.types import pk

app = typer.Typer(
    help="Atelier citoyen : du cadrage au droit de suite.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
step_app = typer.Typer(help="Étapes du calendrier.", no_args_is_help=True)
person_app = typer.Typer(help="Personnes et rôles.", no_args_is_help=True)
app.add_typer(step_app, name="step")
gate_app = typer.Typer(help="Décisions du COPIL (et validation de l'avis).", no_args_is_help=True)
app.add_typer(person_app, name="person")
app.add_typer(gate_app, name="gate")

def terminal() -> Console:
    """The terminal at its own width (80 when not a terminal; COLUMNS overrides)."""
    return Console(highlight=False)


def _ctx(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    if not isinstance(obj, AppContext):
        raise RuntimeError("CLI context missing")
    return obj


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
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url is not None:
        overrides["database_url"] = database_url
    app_ctx = AppContext(settings=Settings(**overrides))
    if now is not None:
        app_ctx.clock = SimulatedClock(parse_now(now))
    ctx.obj = app_ctx


@app.command("templates")
def templates_command() -> None:
    """Liste les modèles de démarche disponibles."""
    for template in builtin_templates().values():
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
    past: Annotated[
        bool, typer.Option("--passe", help="Accepter une date de décision passée (atelier déjà engagé).")
    ] = False,
) -> None:
    """Crée un atelier et planifie son calendrier."""
    app_ctx = _ctx(ctx)
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
    app_ctx = _ctx(ctx)
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
    app_ctx = _ctx(ctx)
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


@step_app.command("done")
@french_errors
def step_done_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    step_key: Annotated[str, typer.Argument(help="Étape (clé, voir « atelier show »).")],
    day: Annotated[str, typer.Option("--date", help="Date de réalisation (AAAA-MM-JJ).")],
    at: Annotated[str | None, typer.Option("--time", help="Heure (HH:MM), Paris.")] = None,
) -> None:
    """Marque une étape comme faite à une date."""
    app_ctx = _ctx(ctx)
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
        )
        name = step.name
    typer.echo(f"Étape « {name} » faite le {short_date(done_at)}.")
    typer.echo(
        f"Remise de l'avis prévue le {short_date(timeline.avis_end)} "
        f"(marge {timeline.slack_days} j, {RISK_LABELS[timeline.risk]})."
    )
    for reason in timeline.reasons:
        typer.echo(f"  ⚠ {reason}")


@step_app.command("cancel")
@french_errors
def step_cancel_command(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")],
    step_key: Annotated[str, typer.Argument(help="Session en ligne à annuler (clé).")],
    reason: Annotated[str, typer.Option("--reason", help="Motif, pour le journal.")] = "",
) -> None:
    """Annule une session en ligne : les invitations sont retirées des agendas."""
    app_ctx = _ctx(ctx)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        step = cancel_event(
            session=session, atelier=atelier, step_key=step_key, reason=reason, now=app_ctx.now()
        )
        name = step.name
    typer.echo(f"« {name} » annulée ; les participants recevront une annulation d'agenda.")


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
    app_ctx = _ctx(ctx)
    data: dict[str, Any] = {"full_name": name, "email": email, "roles": role}
    if organisation:
        data["organisation"] = organisation
    person_in = validate_person(data)
    with transaction(app_ctx.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        add_people(session=session, atelier=atelier, people=[person_in], now=app_ctx.now())
    typer.echo(f"{person_in.full_name} ajouté(e) à l'atelier {slug}.")


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
    app_ctx = _ctx(ctx)
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
    typer.echo(f"{len(imported.people)} personne(s) importée(s) dans l'atelier {slug}.")
    international = [p.email for p in imported.people if not p.email.isascii()]
    if international:
        typer.echo(
            f"Attention : {len(international)} adresse(s) contiennent des caractères accentués ; elles ne "
            "seront remises que si le serveur d'envoi accepte les adresses internationalisées (SMTPUTF8)."
        )


@gate_app.command("list")
@french_errors
def gate_list_command(
    ctx: typer.Context, slug: Annotated[str, typer.Argument(help="Identifiant de l'atelier.")]
) -> None:
    """Liste les décisions de l'atelier, leur état et les réponses reçues."""
    app_ctx = _ctx(ctx)
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
    app_ctx = _ctx(ctx)
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
    typer.echo(f"Décision de {name} enregistrée : {outcome_label(chosen)}.")
    if result.closed_now:
        typer.echo(f"Le quorum est atteint : la décision est {STATUS_LABELS[result.gate_status]}.")
    typer.echo("Le moteur (atelier serve) en tient compte dans les secondes qui suivent.")


@app.command("avis-forms", hidden=True)
def avis_forms_command() -> None:
    """Formes d'avis possibles."""
    for form, label in AVIS_FORM_LABELS.items():
        typer.echo(f"{form.value} : {label}")


@app.command("demo")
@french_errors
def demo_command(
    ctx: typer.Context,
    decision_date: Annotated[
        str, typer.Option("--decision-date", help="Date de décision (AAAA-MM-JJ).")
    ] = "2027-01-11",
    mailbox: Annotated[
        Path | None, typer.Option("--mailbox", help="Dossier où écrire les courriels (.eml).")
    ] = None,
) -> None:
    """Déroule un atelier citoyen complet en temps simulé (Prefect, SMTP local, SQLite)."""
    from atelier.demo.report import print_report
    from atelier.demo.run import run_demo

    app_ctx = _ctx(ctx)
    day = parse_date(decision_date, label="date de décision")
    data_dir = app_ctx.settings.data_dir
    target = mailbox or data_dir / "mailbox"
    typer.echo(f"Démonstration : atelier citoyen décidé le {short_date(day)} (données : {data_dir}).")
    typer.echo("Démarrage du serveur Prefect local et du serveur SMTP local…")
    result = run_demo(data_dir, target, day)
    failures = print_report(terminal(), result.runtime, result.slug, result.mailbox)
    typer.echo(
        f"Terminé en {result.wall_seconds:.0f} s ({result.advances} exécutions du cycle de vie Prefect)."
    )
    if failures:
        raise typer.Exit(code=1)


@app.command("serve")
@french_errors
def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Adresse d'écoute de la page des liens.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port de la page des liens.")] = 8000,
    catcher: Annotated[
        bool,
        typer.Option(
            "--catcher/--no-catcher",
            help="Serveur SMTP local écrivant les courriels dans le dossier des données.",
        ),
    ] = True,
) -> None:
    """Lance le moteur : page des décisions, envois programmés, serveur Prefect local."""
    import uvicorn

    from atelier.bootstrap import bootstrap, install
    from atelier.prefect_runtime import prefect_session
    from atelier.serve import EngineWorker, build_app
    from flows.lifecycle import advance_atelier
    from notifications.catcher import MailboxHandler, MailCatcher

    app_ctx = _ctx(ctx)
    settings = app_ctx.settings
    mail_catcher = None
    if catcher:
        mail_catcher = MailCatcher(
            MailboxHandler(folder=settings.mailbox_dir), host=settings.smtp_host, port=settings.smtp_port
        )
        mail_catcher.start()
        typer.echo(f"Courriels écrits dans {settings.mailbox_dir} (SMTP local, port {settings.smtp_port}).")
    runtime = install(bootstrap(settings))
    try:
        with prefect_session(settings.data_dir, ui=True) as api_url:
            typer.echo(f"Prefect : {api_url.removesuffix('/api')}")
            worker = EngineWorker(
                runtime, lambda slug, now: advance_atelier(slug=slug, now=now), api_url=api_url
            )
            typer.echo(f"Page des décisions : http://{host}:{port}/ — Ctrl+C pour arrêter.")
            with contextlib.suppress(KeyboardInterrupt):
                uvicorn.run(build_app(runtime, worker), host=host, port=port, log_level="warning")
    finally:
        if mail_catcher is not None:
            mail_catcher.stop()
