"""``atelier doctor`` on a real database and a real SMTP server: what a configuration left on its
embedded defaults must correct before real users, each in one French line, and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifications.catcher import MailCatcher
from tests.integration.cli_helpers import run


def test_embedded_defaults_are_refused_for_production_with_what_to_correct(
    tmp_path: Path, catcher: MailCatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loopback public address, the demo's key and an unencrypted relay are each one ✘ line; the
    example addresses are warnings; the database and the relay that answer are ✔; exit code 1."""
    monkeypatch.setenv("ATELIER_SMTP_PORT", str(catcher.bound_port))
    monkeypatch.setenv("ATELIER_SECRET_KEY", "demo-secret-not-for-production")
    assert run(tmp_path, "list")[0] == 0  # the schema, as any first command makes it
    code, out, err = run(tmp_path, "doctor")
    assert code == 1 and "3 points à corriger avant la mise en service." in err
    assert "✘ ATELIER_PUBLIC_BASE_URL (http://127.0.0.1:8000) désigne cette machine" in out
    assert "✘ ATELIER_SECRET_KEY est la clé de la démonstration" in out
    assert "✘ l'envoi SMTP n'est pas chiffré" in out
    assert "⚠ ATELIER_TEAM_EMAIL (equipe-projet@participation.example.gouv.fr) est l'adresse d'exemple" in out
    assert "✔ base de données joignable, schéma à jour" in out
    assert f"✔ relais SMTP 127.0.0.1:{catcher.bound_port} joignable (non chiffré)" in out


def test_an_unmigrated_database_and_an_absent_relay_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before any command built the schema, and with nothing on the relay's port: two ✘ lines that
    say what to do; the doctor itself changes nothing in the database."""
    monkeypatch.setenv("ATELIER_SMTP_PORT", "9")
    monkeypatch.setenv("ATELIER_PUBLIC_BASE_URL", "https://atelier.example.fr")
    monkeypatch.setenv("ATELIER_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("ATELIER_SMTP_START_TLS", "true")
    code, out, _err = run(tmp_path, "doctor")
    assert code == 1
    assert "✔ adresse publique : https://atelier.example.fr" in out
    assert "✘ schéma de la base en version None" in out and "lancez une fois « atelier list »" in out
    assert "✘ relais SMTP 127.0.0.1:9 injoignable" in out
    assert "✘ schéma de la base en version None" in run(tmp_path, "doctor")[1]  # still unmigrated
