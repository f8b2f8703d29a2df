"""``atelier doctor``: is this deployment's configuration fit for real users? The settings' rules
are pure (``check_settings``); the connections are tried for real (``check_connections``): the
database and its schema, the SMTP relay with the encryption the settings ask for."""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiosmtplib
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from atelier.config import Settings
from atelier.db import alembic_config

DEMO_SECRET = "demo-secret-not-for-production"  # noqa: S105 — the demo's throwaway key, refused here
EXAMPLE_DOMAIN = "example.gouv.fr"


@dataclass(frozen=True)
class Finding:
    ok: bool
    text: str  # French, for the operator
    blocking: bool = True  # a warning when False


def _loopback(host: str) -> bool:
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_settings(settings: Settings, secret: str, *, prefect_api_url: str | None = None) -> list[Finding]:
    """Pure: the rules a production configuration obeys. ``secret`` is the key the links are signed with;
    ``prefect_api_url`` the Prefect server the engines share (PREFECT_API_URL), if any."""
    url = urlsplit(settings.public_base_url)
    findings = []
    public = f"ATELIER_PUBLIC_BASE_URL ({settings.public_base_url})"
    if _loopback(url.hostname or ""):
        findings.append(
            Finding(
                False, f"{public} désigne cette machine : les liens des e-mails ne s'ouvriront chez personne"
            )
        )
    elif url.scheme != "https":
        findings.append(
            Finding(False, f"{public} n'est pas en https : les liens des e-mails circuleraient en clair")
        )
    else:
        findings.append(Finding(True, f"adresse publique : {settings.public_base_url}"))
    if secret == DEMO_SECRET:
        findings.append(
            Finding(
                False, "ATELIER_SECRET_KEY est la clé de la démonstration : les liens seraient falsifiables"
            )
        )
    elif len(secret) < 32:
        findings.append(Finding(False, "ATELIER_SECRET_KEY est trop courte (32 caractères au moins)"))
    else:
        findings.append(Finding(True, "clé de signature des liens : propre à ce déploiement"))
    if not (settings.smtp_use_tls or settings.smtp_start_tls):
        how = "ATELIER_SMTP_START_TLS=true (port 587) ou ATELIER_SMTP_USE_TLS=true (port 465)"
        findings.append(Finding(False, f"l'envoi SMTP n'est pas chiffré : {how}"))
    for name, address in (
        ("ATELIER_MAIL_FROM", settings.mail_from),
        ("ATELIER_TEAM_EMAIL", settings.team_email),
    ):
        if address.endswith(EXAMPLE_DOMAIN):
            findings.append(Finding(False, f"{name} ({address}) est l'adresse d'exemple", blocking=False))
    if settings.database_url is None:
        sqlite = (
            "base SQLite dans le dossier de données : un seul moteur possible ; PostgreSQL pour plusieurs"
        )
        findings.append(Finding(False, sqlite, blocking=False))
    findings += _prefect_findings(settings, prefect_api_url)
    return findings


def deployments_problem(settings: Settings, prefect_api_url: str | None) -> str | None:
    """What engines serving Prefect deployments lack, in French (None: nothing, or not asked for);
    `atelier engine` refuses to start on it, `atelier doctor` names it."""
    if settings.engine_runs != "deployments":
        return None
    on_postgresql = settings.resolved_database_url.startswith("postgresql")
    missing = [
        what
        for what, absent in (
            ("PostgreSQL (ATELIER_DATABASE_URL)", not on_postgresql),
            ("le serveur Prefect partagé (PREFECT_API_URL)", not prefect_api_url),
        )
        if absent
    ]
    return f"ATELIER_ENGINE_RUNS=deployments demande {' et '.join(missing)}" if missing else None


def _prefect_findings(settings: Settings, prefect_api_url: str | None) -> list[Finding]:
    if settings.engine_runs == "deployments":
        problem = deployments_problem(settings, prefect_api_url)
        if problem is not None:
            return [Finding(False, problem)]
        return [Finding(True, f"moteurs : déploiements Prefect servis via {prefect_api_url}")]
    if settings.database_url is not None and not prefect_api_url:
        alone = (
            "PREFECT_API_URL absent : chaque moteur lance son propre serveur Prefect, aucun ne montre tout"
        )
        return [Finding(False, alone, blocking=False)]
    return []


def check_connections(settings: Settings, engine: Engine) -> list[Finding]:
    """The database answers and its schema is up to date; the relay accepts a connection."""
    findings = []
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        if current == head:
            findings.append(Finding(True, f"base de données joignable, schéma à jour ({head})"))
        else:
            late = f"schéma de la base en version {current}, {head} attendue"
            findings.append(Finding(False, f"{late} : lancez une fois « atelier list » pour migrer"))
    except SQLAlchemyError as error:
        findings.append(Finding(False, f"base de données injoignable ({type(error).__name__})"))
    findings.append(asyncio.run(_smtp(settings)))
    return findings


async def _smtp(settings: Settings) -> Finding:
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=settings.smtp_use_tls,
        start_tls=settings.smtp_start_tls,
        timeout=10,
    )
    try:
        await client.connect()
        if settings.smtp_username and settings.smtp_password:
            await client.login(settings.smtp_username, settings.smtp_password)
        await client.quit()
    except aiosmtplib.SMTPAuthenticationError:
        return Finding(False, f"relais SMTP {where} : identifiant ou mot de passe refusé")
    except (aiosmtplib.SMTPException, OSError) as error:
        return Finding(False, f"relais SMTP {where} injoignable ({type(error).__name__})")
    encrypted = "chiffré" if settings.smtp_use_tls or settings.smtp_start_tls else "non chiffré"
    return Finding(True, f"relais SMTP {where} joignable ({encrypted})")
