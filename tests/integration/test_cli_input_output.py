"""What the command line takes and prints: markup-like titles, 80 columns, odd dates, Windows files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli_helpers import EXAMPLE, SLUG, counts, run

ODD_TITLE = "Atelier [voir annexe] sur les [/bold] mobilités [red]"


def _example_with(tmp_path: Path, **values: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.split(":")[0] not in values]
    lines += [f"{key}: {value}" for key, value in values.items()]
    path = tmp_path / "atelier.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_titles_are_data_never_markup(tmp_path: Path) -> None:
    """A title with [voir annexe] and [/bold] is printed as typed by list, show, in both layouts."""
    code, _out, err = run(tmp_path, "create", "--file", str(_example_with(tmp_path, title=f'"{ODD_TITLE}"')))
    assert code == 0, err
    for columns in (80, 200):
        code, out, err = run(tmp_path, "list", columns=columns)
        assert code == 0, err
        assert "[voir annexe]" in out and "[/bold]" in out and "[red]" in out
        code, out, err = run(tmp_path, "show", SLUG, columns=columns)
        assert code == 0, err
        assert ODD_TITLE in out


def test_show_fits_an_80_column_terminal(data_dir: Path) -> None:
    """At 80 columns no line is wider, no name is cut to « … », and every step key is shown."""
    code, out, err = run(data_dir, "show", SLUG, columns=80)
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "…" not in out
    for key in ("reunion_demande", "copil_1", "weekend_1", "remise_avis"):
        assert key in out
    assert "Constitution du COPIL" in out


def test_decision_dates_out_of_range_get_one_french_line(tmp_path: Path) -> None:
    """Year 9999 and 30 February are refused in French; nothing is written."""
    for day, message in (
        ("9999-12-31", "hors de la période acceptée (2000–2100)"),
        ("2027-02-30", "n'est pas une date valide"),
    ):
        code, _out, err = run(tmp_path, "create", "--file", str(EXAMPLE), "--decision-date", day)
        assert code == 1 and message in err, err
        assert err.startswith("Erreur : ") and err.count("\n") == 1
    code, _out, err = run(
        tmp_path, "create", "--file", str(_example_with(tmp_path, decision_date="9999-01-04"))
    )
    assert code == 1 and "hors de la période acceptée" in err


def test_past_decision_date_needs_passe_and_is_then_not_on_track(tmp_path: Path) -> None:
    """A decision date before today is refused; with --passe it is taken and the delay is reported."""
    code, _out, err = run(tmp_path, "create", "--file", str(EXAMPLE), "--decision-date", "2026-11-02")
    assert code == 1 and "est passée" in err and "--passe" in err
    assert counts(tmp_path) == (0, 0, 0)
    code, out, err = run(
        tmp_path, "create", "--file", str(EXAMPLE), "--decision-date", "2026-11-02", "--passe"
    )
    assert code == 0, err
    assert "dans les temps" not in out and "Attention" in out
    code, out, _err = run(tmp_path, "list")
    assert "dans les temps" not in out


def test_yaml_saved_in_windows_1252_is_read(tmp_path: Path) -> None:
    """A YAML file saved by a Windows editor (Windows-1252 accents) creates the atelier with its accents."""
    path = tmp_path / "windows.yaml"
    path.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    code, out, err = run(tmp_path, "create", "--file", str(path))
    assert code == 0, err
    assert "Atelier « Atelier citoyen sur les mobilités dans les territoires ruraux » créé" in out


@pytest.mark.sqlite_only
def test_corrupted_database_file_gets_a_french_line(tmp_path: Path) -> None:
    """A data folder whose atelier.db is not a database: one French line, no traceback."""
    (tmp_path / "atelier.db").write_bytes(b"this is not a database" * 100)
    code, _out, err = run(tmp_path, "list")
    assert code == 1 and err.startswith("Erreur : ") and "n'est pas une base de données" in err
    assert err.count("\n") == 1


def test_venue_departement_decides_the_holidays_shown(tmp_path: Path) -> None:
    """Paris (75) keeps weekend 1 in its spring break and says why; 99 is refused, nothing written."""
    code, out, err = run(tmp_path, "create", "--file", str(_example_with(tmp_path, venue_departement="99")))
    assert code == 1 and err.count("\n") == 1, err
    assert "département du lieu : « 99 » n'est pas un département français" in err
    assert "Aucun atelier" in run(tmp_path, "list")[1]
    code, out, err = run(tmp_path, "create", "--file", str(EXAMPLE))
    assert code == 0, err
    assert "« Premier week-end » : maintenu pendant les vacances de printemps (zone C)" in out
    code, out, err = run(tmp_path, "show", SLUG, columns=200)
    assert code == 0, err
    assert "Lieu : département 75, zone C" in out
    assert "les éviter repousserait l'avis au-delà du 11/05/2027" in out


def test_gate_revise_is_refused_in_french_when_nothing_was_sent_back(data_dir: Path) -> None:
    """« gate revise » on a gate not sent back gets one French line and changes nothing."""
    code, _out, err = run(data_dir, "gate", "revise", SLUG, "copil_1", "--note", "Quotas revus.")
    assert code == 1 and err.count("\n") == 1, err
    assert "n'a pas été renvoyée pour reprise (état : pas encore soumise)" in err
    code, out, err = run(data_dir, "gate", "list", SLUG)
    assert code == 0 and "renvoyée" not in out, err
