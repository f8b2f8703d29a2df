"""The rules of a production configuration (``atelier doctor``), as pure checks of the settings."""

from __future__ import annotations

from pathlib import Path

from atelier.config import Settings
from atelier.services.doctor import check_settings

GOOD = {
    "data_dir": Path("/nonexistent"),
    "database_url": "postgresql+psycopg://atelier@db/atelier",
    "public_base_url": "https://atelier.participation.gouv.fr",
    "smtp_start_tls": True,
    "mail_from": "atelier@participation.gouv.fr",
    "team_email": "equipe@participation.gouv.fr",
}


PREFECT = "http://127.0.0.1:4200/api"


def test_a_production_configuration_passes_every_rule() -> None:
    """https, its own long key, STARTTLS, real addresses, PostgreSQL, a shared Prefect server: nothing
    to correct or warn."""
    settings = Settings(**GOOD | {"engine_runs": "deployments"})  # type: ignore[arg-type]
    assert all(f.ok for f in check_settings(settings, "s" * 43, prefect_api_url=PREFECT))


def test_deployments_need_postgresql_and_a_shared_prefect_server() -> None:
    """Engines serving deployments without PREFECT_API_URL, or on SQLite, are refused; engines in
    their own thread on PostgreSQL without it are warned (no server shows every atelier's runs)."""
    deployments = Settings(**GOOD | {"engine_runs": "deployments"})  # type: ignore[arg-type]
    (refused,) = [f for f in check_settings(deployments, "s" * 43) if not f.ok]
    assert refused.blocking and refused.text.endswith("le serveur Prefect partagé (PREFECT_API_URL)")
    on_sqlite = Settings(**GOOD | {"engine_runs": "deployments", "database_url": None})  # type: ignore[arg-type]
    texts = [f.text for f in check_settings(on_sqlite, "s" * 43, prefect_api_url=PREFECT) if f.blocking]
    assert "ATELIER_ENGINE_RUNS=deployments demande PostgreSQL (ATELIER_DATABASE_URL)" in texts
    (warned,) = [f for f in check_settings(Settings(**GOOD), "s" * 43) if not f.ok]  # type: ignore[arg-type]
    assert not warned.blocking and warned.text.startswith("PREFECT_API_URL absent")


def test_plain_http_and_a_short_key_are_refused() -> None:
    """Links over http would travel in clear; a key under 32 characters is refused."""
    settings = Settings(**GOOD | {"public_base_url": "http://atelier.participation.gouv.fr"})  # type: ignore[arg-type]
    texts = [f.text for f in check_settings(settings, "court") if not f.ok and f.blocking]
    assert any("n'est pas en https" in t for t in texts) and any("trop courte" in t for t in texts)


def test_localhost_is_a_loopback_address_too() -> None:
    """« localhost » is this machine as much as 127.0.0.1 or ::1."""
    for url in ("http://localhost:8000", "https://[::1]/", "https://127.0.0.2"):
        settings = Settings(**GOOD | {"public_base_url": url})  # type: ignore[arg-type]
        assert any("désigne cette machine" in f.text for f in check_settings(settings, "s" * 43))
