"""``atelier demo`` and ``atelier serve``: the simulated atelier, and the engine for real."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from atelier.cli.context import app_context, french_errors, parse_date, terminal
from atelier.config import Settings
from atelier.i18n import short_date


@french_errors
def demo_command(
    ctx: typer.Context,
    decision_date: Annotated[
        str, typer.Option("--decision-date", help="Date de décision (AAAA-MM-JJ).")
    ] = "2027-01-11",
    mailbox: Annotated[
        Path | None, typer.Option("--mailbox", help="Dossier où écrire les courriels (.eml).")
    ] = None,
    port: Annotated[
        int, typer.Option(help="Port qu'utilisera « serve » ensuite (celui du lien de connexion affiché).")
    ] = 8000,
) -> None:
    """Déroule un atelier citoyen complet en temps simulé (Prefect, SMTP local, SQLite)."""
    from atelier.demo.report import print_report
    from atelier.demo.run import open_workspace, run_demo

    app_ctx = app_context(ctx)
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
    address, link = open_workspace(result.runtime, data_dir, port=port)
    serve = f".venv/bin/atelier --data-dir {data_dir} serve" + (f" --port {port}" if port != 8000 else "")
    typer.echo(
        f"Espace de travail : lancez « {serve} », puis ouvrez "
        f"dans les 15 minutes ce lien de connexion ({address}, équipe projet) :\n  {link}\n"
        f"Ensuite, demandez un lien sur la page de connexion : il arrive dans {data_dir / 'mailbox'}."
    )
    if failures:
        raise typer.Exit(code=1)


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
    smtp_port: Annotated[
        int | None,
        typer.Option(
            "--smtp-port", help="Port du serveur SMTP (le local, avec --catcher) ; sinon ATELIER_SMTP_PORT."
        ),
    ] = None,
    prefect_port: Annotated[
        int | None,
        typer.Option(
            "--prefect-port",
            help="Port du serveur Prefect local et de son interface ; sinon un port libre.",
        ),
    ] = None,
) -> None:
    """Lance le moteur : page des décisions, envois programmés, serveur Prefect local."""
    from atelier.processes import DataFolderLock, check_port_free, public_base_url

    settings = app_context(ctx).settings
    if smtp_port is not None:
        settings = settings.model_copy(update={"smtp_port": smtp_port})
    # Everything that can be refused is checked before anything starts.
    lock = DataFolderLock(settings.data_dir)
    lock.acquire()
    try:
        check_port_free(host, port, what="page des liens", option="--port")
        if catcher:
            check_port_free(
                settings.smtp_host, settings.smtp_port, what="serveur SMTP local", option="--smtp-port"
            )
        if prefect_port is not None:
            check_port_free("127.0.0.1", prefect_port, what="serveur Prefect local", option="--prefect-port")
        configured = settings.public_base_url if "public_base_url" in settings.model_fields_set else None
        url, warning = public_base_url(configured, host=host, port=port)
        settings = settings.model_copy(update={"public_base_url": url})
        if warning:
            typer.echo(f"Attention : {warning}.", err=True)
        _serve(settings, host=host, port=port, catcher=catcher, prefect_port=prefect_port)
    finally:
        lock.release()


def _serve(settings: Settings, *, host: str, port: int, catcher: bool, prefect_port: int | None) -> None:
    import uvicorn

    from atelier.bootstrap import bootstrap, install
    from atelier.logs import reroute_library_loggers
    from atelier.prefect_runtime import prefect_session
    from atelier.serve import EngineWorker, build_app, server_config
    from flows.lifecycle import advance_atelier
    from flows.sealing import seal_lottery_run
    from notifications.catcher import MailboxHandler, MailCatcher

    reroute_library_loggers()
    mail_catcher = None
    if catcher:
        mail_catcher = MailCatcher(
            MailboxHandler(folder=settings.mailbox_dir), host=settings.smtp_host, port=settings.smtp_port
        )
        mail_catcher.start()
        typer.echo(f"Courriels écrits dans {settings.mailbox_dir} (SMTP local, port {settings.smtp_port}).")
    try:
        runtime = install(bootstrap(settings))
        with prefect_session(settings.data_dir, ui=True, port=prefect_port) as api_url:
            typer.echo(f"Prefect : {api_url.removesuffix('/api')}")
            worker = EngineWorker(
                runtime,
                lambda slug, now: advance_atelier(slug=slug, now=now),
                api_url=api_url,
                seal=lambda slug: seal_lottery_run(slug=slug),
            )
            typer.echo(f"Page des décisions : {settings.public_base_url}/ — Ctrl+C pour arrêter.")
            with contextlib.suppress(KeyboardInterrupt):
                config = server_config(build_app(runtime, worker), settings, host=host, port=port)
                uvicorn.Server(config).run()
    finally:
        if mail_catcher is not None:
            mail_catcher.stop()
