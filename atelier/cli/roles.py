"""``atelier web``, ``atelier engine`` and ``atelier dispatch``: the parts of ``atelier serve``, one
per process, for a production deployment (several of each on PostgreSQL, see deploy/)."""

from __future__ import annotations

import asyncio
import os
import shutil
from typing import TYPE_CHECKING, Annotated

import typer

from atelier.cli.context import app_context, french_errors
from atelier.config import Settings
from atelier.french import count

if TYPE_CHECKING:
    from atelier.bootstrap import Runtime


def _runtime(ctx: typer.Context, settings: Settings | None = None) -> Runtime:
    """The runtime of this process, once the role's modules are imported (Prefect's among them)."""
    from atelier.bootstrap import bootstrap, install
    from atelier.logs import reroute_library_loggers

    reroute_library_loggers()
    app_ctx = app_context(ctx)
    return install(bootstrap(settings or app_ctx.settings, clock=app_ctx.clock))


@french_errors
def web_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port d'écoute.")] = 8000,
) -> None:
    """Lance l'application web seule (pages de l'équipe et liens des courriels) ; plusieurs derrière un
    mandataire inverse."""
    import uvicorn

    from atelier.processes import check_port_free, public_base_url
    from atelier.serve import build_app, server_config

    settings = app_context(ctx).settings
    check_port_free(host, port, what="application web", option="--port")
    configured = settings.public_base_url if "public_base_url" in settings.model_fields_set else None
    url, warning = public_base_url(configured, host=host, port=port)
    settings = settings.model_copy(update={"public_base_url": url})
    if warning:
        typer.echo(f"Attention : {warning}.", err=True)
    runtime = _runtime(ctx, settings)
    typer.echo(f"Application web : {settings.public_base_url}/ (processus {os.getpid()}).")
    # uvicorn ends on SIGTERM after the requests under way (its graceful shutdown).
    uvicorn.Server(server_config(build_app(runtime, None), settings, host=host, port=port)).run()


@french_errors
def dispatch_command(ctx: typer.Context) -> None:
    """Lance l'envoi des courriels seul ; plusieurs peuvent tourner ensemble sans rien envoyer deux fois."""
    from atelier.serve import DispatchRole, run_until_signalled

    s = app_context(ctx).settings
    runtime = _runtime(ctx)
    limits = [count(s.smtp_connections, "connexion")]
    if s.smtp_rate_per_minute:
        limits.append(f"{s.smtp_rate_per_minute} courriels/min")
    if s.smtp_domain_rate_per_minute:
        limits.append(f"{s.smtp_domain_rate_per_minute} courriels/min par domaine")
    typer.echo(f"Envoi des courriels vers {s.smtp_host}:{s.smtp_port} ({', '.join(limits)}).")
    asyncio.run(run_until_signalled(dispatch=DispatchRole(runtime)))
    typer.echo("Envoi arrêté : les courriels en cours sont partis, les autres restent à envoyer.")


@french_errors
def engine_command(ctx: typer.Context) -> None:
    """Lance le moteur seul : contrôle quotidien, prise en compte des décisions, avancement des ateliers."""
    from atelier.prefect_runtime import prefect_session
    from atelier.processes import DataFolderLock
    from atelier.serve import EngineRole, EngineWorker, run_until_signalled
    from flows.lifecycle import advance_atelier
    from flows.sealing import seal_lottery_run

    settings = app_context(ctx).settings
    on_postgresql = settings.resolved_database_url.startswith("postgresql")
    if settings.engine_runs == "deployments":
        _serve_deployments(ctx, settings)
        return
    # SQLite: one engine per data folder, refused clearly before anything starts. PostgreSQL:
    # several, each atelier advanced by one at a time (an advisory lock); without PREFECT_API_URL
    # each starts its own local Prefect server.
    lock = None if on_postgresql else DataFolderLock(settings.data_dir)
    if lock is not None:
        lock.acquire()
    home = settings.data_dir / f"prefect-engine-{os.getpid()}" if on_postgresql else None
    try:
        runtime = _runtime(ctx)
        with prefect_session(settings.data_dir, home=home) as api_url:
            worker = EngineWorker(
                runtime,
                lambda slug, now: advance_atelier(slug=slug, now=now),
                api_url=api_url,
                seal=lambda slug: seal_lottery_run(slug=slug),
            )
            typer.echo(f"Moteur démarré (processus {os.getpid()}, Prefect : {api_url.removesuffix('/api')}).")
            asyncio.run(run_until_signalled(engine=EngineRole(runtime, worker)))
        typer.echo("Moteur arrêté.")
    finally:
        if lock is not None:
            lock.release()
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)


def _serve_deployments(ctx: typer.Context, settings: Settings) -> None:
    """The engine serving the lifecycle and the daily check as Prefect deployments, on the Prefect
    server every engine shares; the runs, each a process of its own, read the settings from the
    environment."""
    from atelier.deployments import DeploymentWorker
    from atelier.errors import AtelierError
    from atelier.prefect_runtime import prefect_client
    from atelier.serve import EngineRole, run_until_signalled
    from atelier.services.doctor import deployments_problem

    api_url = os.environ.get("PREFECT_API_URL", "")
    problem = deployments_problem(settings, api_url)
    if problem is not None:
        raise AtelierError(problem, "deployments need PostgreSQL and PREFECT_API_URL")
    os.environ.update(settings.as_environment())
    runtime = _runtime(ctx)
    with prefect_client(api_url):
        worker = DeploymentWorker(runtime, api_url=api_url)
        typer.echo(
            f"Moteur démarré (processus {os.getpid()}) : il sert les déploiements Prefect "
            f"cycle-de-vie, controle-quotidien et scellement-du-tirage ({api_url.removesuffix('/api')})."
        )
        asyncio.run(run_until_signalled(engine=EngineRole(runtime, worker, daily_hour=None)))
    typer.echo("Moteur arrêté : les exécutions en cours sont terminées.")
