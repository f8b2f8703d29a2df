"""The ``atelier`` command against a real SQLite file: French output, refusals write nothing."""

from pathlib import Path

import pytest

from tests.integration.cli_helpers import SLUG, counts, run


def test_create_list_and_show(data_dir: Path) -> None:
    """A created atelier is listed, and show prints planned weekends, critical path and risk."""
    code, out, _ = run(data_dir, "list")
    assert code == 0 and SLUG in out and "dans les temps" in out
    code, out, _ = run(data_dir, "show", SLUG)
    assert code == 0
    assert "sam. 03/04/2027 10h00 → dim. 17h00" in out and "sam. 24/04/2027 10h00" in out
    assert "Chemin critique :" in out
    assert "marge : 16 jours" in out


def test_create_from_options(tmp_path: Path) -> None:
    """An atelier can be created from options alone, with the conférence template."""
    code, out, err = run(
        tmp_path,
        "create",
        "--title",
        "Conférence sur l'eau",
        "--commanditaire",
        "Ministère",
        "--question",
        "Comment partager l'eau ?",
        "--decision-date",
        "2027-01-11",
        "--template",
        "conference_de_citoyens",
    )
    assert code == 0, err
    assert "conference-sur-l-eau" in out


def test_step_done_moves_the_forecast(data_dir: Path) -> None:
    """Marking the demande meeting done late shows the new forecast."""
    code, out, err = run(
        data_dir,
        "--now",
        "2027-02-10T12:00",
        "step",
        "done",
        SLUG,
        "reunion_demande",
        "--date",
        "2027-02-08",
    )
    # --now given twice: the last one wins; the meeting was three weeks late.
    assert code == 0, err
    assert "Étape « Réunion de travail" in out


def test_step_move_puts_a_copil_at_the_chosen_date_and_time(data_dir: Path) -> None:
    """« step move » says where the event now is; « show » then has it there."""
    code, out, err = run(
        data_dir,
        "step",
        "move",
        SLUG,
        "copil_3",
        "--date",
        "2027-03-25",
        "--time",
        "14:30",
        "--reason",
        "Salle",
    )
    assert code == 0, err
    assert "« COPIL n°3 » déplacé au jeudi 25 mars 2027 à 14h30" in out
    code, out, err = run(data_dir, "show", SLUG)
    assert code == 0 and "jeu. 25/03/2027 14h30" in out and "date fixée par l'équipe" in out, out


def test_people_one_by_one_and_from_csv(data_dir: Path, tmp_path: Path) -> None:
    """People are added with their roles, alone or from a CSV with French headers."""
    code, _, err = run(
        data_dir,
        "person",
        "add",
        SLUG,
        "--name",
        "Claire Martin",
        "--email",
        "claire.martin@example.org",
        "--role",
        "membre du COPIL;commanditaire",
    )
    assert code == 0, err
    code, out, err = run(
        data_dir, "person", "edit", SLUG, "Claire.Martin@example.org", "--new-email", "c.martin@example.org"
    )
    assert code == 0 and "Claire Martin : coordonnées modifiées." in out, err
    code, _, err = run(data_dir, "person", "edit", SLUG, "claire.martin@example.org", "--name", "C")
    assert code == 1 and "aucune personne n'a l'adresse claire.martin@example.org" in err
    csv_file = tmp_path / "citoyens.csv"
    csv_file.write_text(
        "nom;email;role\nAli Ben;ali@example.org;citoyen\nJeanne Roux;jeanne@example.org;citoyenne\n",
        encoding="utf-8",
    )
    code, out, err = run(data_dir, "person", "import", SLUG, str(csv_file))
    assert code == 0, err
    assert "2 personnes importées" in out
    assert counts(data_dir) == (1, 3, 4)


BAD_CSV = {
    "missing_column": ("nom,email\nAli,ali@example.org\n", "colonne manquante dans le fichier : rôle"),
    "duplicate": (
        "nom,email,role\nAli,ali@example.org,citoyen\nAli B,ALI@example.org,citoyen\n",
        "apparaît deux fois",
    ),
    "bad_email": (
        "nom,email,role\nAli,ali@example.org,citoyen\nJo,pas-une-adresse,citoyen\n",
        "ligne 3 : e-mail : « pas-une-adresse » n'est pas une adresse e-mail valide",
    ),
    "bad_role": ("nom,email,role\nAli,ali@example.org,astronaute\n", "rôle inconnu"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_csv_is_refused_whole(data_dir: Path, tmp_path: Path, case: str) -> None:
    """A CSV with a missing column, a duplicate, a bad e-mail or role writes nobody."""
    content, message = BAD_CSV[case]
    csv_file = tmp_path / f"{case}.csv"
    csv_file.write_text(content, encoding="utf-8")
    code, _out, err = run(data_dir, "person", "import", SLUG, str(csv_file))
    assert code == 1
    assert message in err
    assert err.startswith("Erreur : ") and err.count("\n") == 1
    assert counts(data_dir) == (1, 0, 0)


def test_person_already_in_the_atelier_is_refused(data_dir: Path) -> None:
    """Adding the same person with the same role twice is refused."""
    args = (
        "person",
        "add",
        SLUG,
        "--name",
        "Ali",
        "--email",
        "ali@example.org",
        "--role",
        "citoyen",
    )
    assert run(data_dir, *args)[0] == 0
    code, _, err = run(data_dir, *args)
    assert code == 1 and "déjà inscrit(e) comme citoyen" in err
    assert counts(data_dir) == (1, 1, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "inconnu"), "atelier inconnu : « inconnu »"),
        (("step", "done", "inconnu", "copil_1", "--date", "2027-01-12"), "atelier inconnu"),
        (
            ("step", "done", SLUG, "reunion_demande", "--date", "2027-02-30"),
            "n'est pas une date valide",
        ),
        (("step", "done", SLUG, "nulle_part", "--date", "2027-01-12"), "étape inconnue"),
        (
            ("step", "move", SLUG, "weekend_2", "--date", "2027-05-02", "--reason", "Salle"),
            "un week-end commence un samedi : le 02/05/2027 n'en est pas un",
        ),
        (
            ("step", "move", SLUG, "copil_3", "--date", "2027-03-01", "--time", "14:00", "--reason", "Salle"),
            "« COPIL n°3 » ne peut pas avoir lieu avant le",
        ),
        (
            ("step", "move", SLUG, "recrutement", "--date", "2027-03-01", "--reason", "Salle"),
            "n'est pas un rendez-vous",
        ),
        (
            ("person", "add", SLUG, "--name", "Jo", "--email", "jo@", "--role", "citoyen"),
            "n'est pas une adresse e-mail valide",
        ),
        (
            (
                "person",
                "add",
                "inconnu",
                "--name",
                "Jo",
                "--email",
                "jo@example.org",
                "--role",
                "citoyen",
            ),
            "atelier inconnu",
        ),
        (("create", "--file", "/nonexistent.yaml"), "fichier introuvable"),
        (
            (
                "create",
                "--title",
                "T",
                "--commanditaire",
                "C",
                "--question",
                "Q",
                "--decision-date",
                "11/01/2027",
            ),
            "n'est pas une date valide",
        ),
        (
            ("create", "--title", "T", "--commanditaire", "C", "--decision-date", "2027-01-11"),
            "champ obligatoire manquant : « question »",
        ),
    ],
)
def test_bad_input_gets_one_french_line_and_writes_nothing(
    data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    """Unknown atelier, bad date, bad e-mail, missing field: exit 1, one French line, no write."""
    before = counts(data_dir)
    code, _, err = run(data_dir, *args)
    assert code == 1
    assert message in err, err
    assert err.startswith("Erreur : ") and err.count("\n") == 1
    assert counts(data_dir) == before
