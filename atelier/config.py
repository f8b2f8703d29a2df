"""The one settings class of the application (environment prefix ``ATELIER_``)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable; read from the environment, never at import time."""

    model_config = SettingsConfigDict(env_prefix="ATELIER_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="SQLite file, mailbox, secret key")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to SQLite in data_dir"
    )

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_use_tls: bool = False
    smtp_start_tls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "atelier-citoyen@participation.example.gouv.fr"
    mail_from_name: str = "Équipe de l'atelier citoyen"
    team_email: str = "equipe-projet@participation.example.gouv.fr"
    # ORGANIZER of calendar invites: calendar answers (RSVP) go there; the team's address by default.
    calendar_organizer_email: str | None = None

    # What citizens are told at collection about their personal data (RGPD, art. 13).
    data_controller: str = (
        "la direction interministérielle de la transformation publique (Centre interministériel "
        "de la participation citoyenne)"
    )
    data_retention_months: int = 12
    data_protection_email: str | None = None  # the team's address when unset

    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = Field(default=None, description="signs decision links")
    link_max_age_days: int = 21
    # A decision link stays valid this many days past the decision's due date (and past the day its
    # reminder leaves): a member deciding a little late is not turned away.
    decision_link_margin_days: int = Field(default=7, ge=0, le=60)
    # The largest request body the web app reads (a form, a file); a gate's documents and a pool of
    # volunteers have their own limits (atelier/web/app.py).
    max_request_mb: int = Field(default=10, ge=1, le=1024)
    # The reverse proxies whose X-Forwarded-For the web app believes (comma-separated addresses or
    # networks, e.g. "127.0.0.1" for a Caddy on the same machine); nobody's when empty. Anyone else
    # could claim any address and escape the per-address sign-in limit.
    trusted_proxies: str = ""

    # Log lines: "text" or "json" (one object a line, for a log collector); level as logging's.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    dispatch_interval_seconds: float = 1.0
    dispatch_batch_size: int = 100
    # How long a dispatcher's claim on a message lasts: one killed mid-batch leaves its messages to
    # the others after this (renewed while the batch goes on).
    dispatch_lease_seconds: float = Field(default=60.0, ge=3)
    # Engines and dispatchers write when they were last seen; unseen for three beats, /sante
    # counts them gone.
    heartbeat_seconds: float = Field(default=10.0, ge=0.5)
    # How `atelier engine` advances ateliers: in its own thread ("in_process", SQLite and the demo),
    # or as runs of Prefect deployments it serves ("deployments": PostgreSQL and a shared Prefect
    # server, PREFECT_API_URL), the daily check being then a Prefect schedule. The runner looks for
    # runs to start every `engine_poll_seconds`.
    engine_runs: Literal["in_process", "deployments"] = "in_process"
    engine_poll_seconds: float = Field(default=2.0, gt=0)
    # A lottery sealed from the workspace stops searching after this many seconds, with the best
    # lottery found; the page and the report then state its proven gap to the optimum.
    lottery_max_seconds: float = Field(default=300.0, gt=0)
    # What the relay takes, per dispatcher process: messages sent at once (one SMTP connection
    # each), messages a minute in all, and a minute per recipient domain (unset: no limit). With
    # several dispatchers, give each its share of the relay's cap.
    smtp_connections: int = Field(default=1, ge=1, le=64)
    smtp_rate_per_minute: int | None = Field(default=None, ge=1)
    smtp_domain_rate_per_minute: int | None = Field(default=None, ge=1)
    # The team is alerted once when no message could be sent for this long, and once at recovery.
    delivery_alert_after_minutes: int = 15

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'atelier.db').resolve()}"

    @property
    def mailbox_dir(self) -> Path:
        return self.data_dir / "mailbox"

    @property
    def files_dir(self) -> Path:
        """Uploaded spreadsheets and documents (content-addressed, see atelier/storage.py)."""
        return self.data_dir / "fichiers"

    def as_environment(self) -> dict[str, str]:
        """The settings given explicitly (command-line options), as the variables that give them to a
        child process: a deployment's run is a process of its own (Prefect's runner starts it)."""
        environment = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if value is not None:
                environment[f"ATELIER_{name.upper()}"] = (
                    str(value).lower() if isinstance(value, bool) else str(value)
                )
        return environment

    def resolved_secret_key(self) -> str:
        """The signing key: from settings, or generated once and kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (for tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
