"""``atelier panel lottery`` and ``atelier panel verifier`` on files as organisers have them."""

from __future__ import annotations

import csv
import html
import json
import random
import re
from pathlib import Path

from atelier.panel.lottery import Problem, maximin
from atelier.panel.model import types_of
from bench.lottery import population_quotas, volunteer_pool
from tests.integration.cli_helpers import run
from tests.integration.recruitment_helpers import lottery_files


def test_the_lottery_writes_its_results_and_anyone_can_redo_the_draw(tmp_path: Path) -> None:
    """Probabilities (one per volunteer, summing to the panel's size), the panel meeting the
    quotas, a report with the commitment and the seed; the verifier, from the published folder
    alone, finds the same commitment and the same panel."""
    pool, quotas = lottery_files(tmp_path)
    out = tmp_path / "resultats"
    args = (
        "--pool",
        str(pool),
        "--quotas",
        str(quotas),
        "--size",
        "20",
        "--seed",
        "58213",
        "--out",
        str(out),
    )
    code, printed, err = run(tmp_path, "panel", "lottery", *args)
    assert code == 0, err
    with (out / "probabilities.csv").open(encoding="utf-8") as f:
        probabilities = {row["id"]: float(row["probability"]) for row in csv.DictReader(f)}
    assert len(probabilities) == 120 and abs(sum(probabilities.values()) - 20) < 1e-3
    with (out / "panel.csv").open(encoding="utf-8") as f:
        panel = list(csv.DictReader(f))
    assert len(panel) == 20 and sum(1 for p in panel if p["genre"] == "F") == 10
    assert 6 <= sum(1 for p in panel if p["âge"] == "18-34 ans") <= 8
    sealed = json.loads((out / "publication.json").read_text(encoding="utf-8"))
    assert "volontaires" not in json.dumps(sealed) and sealed["algorithm"] == "maximin"
    report = (out / "report.html").read_text(encoding="utf-8")
    commitment = printed.split("Empreinte publiée : ")[1].split()[0]
    # French numbers: « 16,67 % », never « 16.67% ».
    french = r"Plus faible probabilité : \d+,\d\d\xa0% \(sans quotas : 16,67\xa0%\)"
    assert re.search(french, printed), printed
    assert commitment in report and "58213" in report
    code, checked, err = run(tmp_path, "panel", "verifier", str(out), "--seed", "58213")
    assert code == 0, err
    assert f"Empreinte recalculée : {commitment}" in checked
    assert checked.split("Panel : ")[1].split("\n")[0].split(", ") == [p["id"] for p in panel]
    reserves = checked.split("ordre d'appel : ")[1].strip().split(", ")
    assert reserves and not set(reserves) & {p["id"] for p in panel}
    code, other, _ = run(tmp_path, "panel", "verifier", str(out), "--seed", "58214")
    assert other.split("Panel : ")[1] != checked.split("Panel : ")[1]


def test_infeasible_quotas_get_one_french_line_with_their_fix_and_nothing_written(tmp_path: Path) -> None:
    """Only 5 volunteers under 35 for a minimum of 6: the command says which quotas to change and
    to what (the smallest change), and writes no result folder."""
    pool, quotas = lottery_files(tmp_path, young_every=24)
    out = tmp_path / "resultats"
    code, _, err = run(
        tmp_path, "panel", "lottery", "--pool", str(pool), "--quotas", str(quotas), "--size", "20",
        "--seed", "1", "--out", str(out),
    )  # fmt: skip
    assert code == 1 and err.count("\n") == 1
    assert (
        err.startswith("Erreur : tirage impossible avec ces quotas : ")
        and "rendrait le tirage possible" in err
    )
    assert not out.exists()


def test_leximin_is_chosen_by_name_and_an_unknown_method_is_refused(tmp_path: Path) -> None:
    """« --algorithm leximin » publishes its name and gives the same minimum as MAXIMIN here; an
    unknown method gets one French line and no result folder."""
    pool, quotas = lottery_files(tmp_path)
    base = ("--pool", str(pool), "--quotas", str(quotas), "--size", "20", "--seed", "7")
    code, _, err = run(tmp_path, "panel", "lottery", *base, "--out", str(tmp_path / "lex"),
                             "--algorithm", "leximin")  # fmt: skip
    assert code == 0, err
    sealed = json.loads((tmp_path / "lex" / "publication.json").read_text(encoding="utf-8"))
    assert sealed["algorithm"] == "leximin"
    with (tmp_path / "lex" / "probabilities.csv").open(encoding="utf-8") as f:
        probabilities = [float(row["probability"]) for row in csv.DictReader(f)]
    assert abs(sum(probabilities) - 20) < 1e-3  # six decimals each
    code, _, err = run(
        tmp_path, "panel", "lottery", *base, "--out", str(tmp_path / "x"), "--algorithm", "glouton"
    )
    assert code == 1 and "méthode inconnue « glouton »" in err and not (tmp_path / "x").exists()


def test_a_search_stopped_by_its_time_limit_states_a_true_gap_and_the_draw_still_verifies(
    tmp_path: Path,
) -> None:
    """« --max-seconds 0 » on 400 volunteers and six criteria stops before the optimum: the output,
    publication.json and the report say so, the stated bound is above the optimum proven by a full
    run and the minimum published below it, and « panel verifier » redoes the same draw."""
    pool = volunteer_pool(400, random.Random(1))
    quotas = population_quotas(15, 1)
    pool_file, quotas_file = tmp_path / "volontaires.csv", tmp_path / "quotas.csv"
    rows = [["id", *pool.categories], *([i, *f] for i, f in zip(pool.ids, pool.features, strict=True))]
    pool_file.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    quota_rows = ["critère,valeur,min,max", *(f"{q.category},{q.value},{q.min},{q.max}" for q in quotas)]
    quotas_file.write_text("\n".join(quota_rows), encoding="utf-8")
    out = tmp_path / "resultats"
    code, printed, err = run(
        tmp_path, "panel", "lottery", "--pool", str(pool_file), "--quotas", str(quotas_file),
        "--size", "15", "--seed", "31", "--out", str(out), "--max-seconds", "0",
    )  # fmt: skip
    assert code == 0, err
    assert "Recherche arrêtée après 0 s, avant de prouver l'optimum" in printed
    stated = json.loads((out / "publication.json").read_text(encoding="utf-8"))["optimality"]
    optimum = maximin(Problem(types_of(pool), pool.categories, quotas, 15))
    assert optimum.proven and not stated["proven"]
    assert float(stated["minimum"]) < optimum.level - 1e-3  # stopped well short: the test can fail
    assert optimum.level <= float(stated["bound"]) + 1e-9
    with (out / "probabilities.csv").open(encoding="utf-8") as f:
        lowest = min(float(row["probability"]) for row in csv.DictReader(f))
    assert abs(lowest - float(stated["minimum"])) < 1e-6
    assert "arrêtée à la limite de temps fixée" in html.unescape(
        (out / "report.html").read_text(encoding="utf-8")
    )
    commitment = printed.split("Empreinte publiée : ")[1].split()[0]
    code, checked, err = run(tmp_path, "panel", "verifier", str(out), "--seed", "31")
    assert code == 0 and f"Empreinte recalculée : {commitment}" in checked, err


def test_a_search_run_to_its_end_says_its_optimum_is_proven(tmp_path: Path) -> None:
    """Without a time limit the command says the optimum is proven, and so do the files."""
    pool, quotas = lottery_files(tmp_path)
    out = tmp_path / "resultats"
    code, printed, err = run(
        tmp_path, "panel", "lottery", "--pool", str(pool), "--quotas", str(quotas), "--size", "20",
        "--seed", "5", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert "Optimum prouvé : aucune loterie respectant ces quotas" in printed
    assert json.loads((out / "publication.json").read_text(encoding="utf-8"))["optimality"]["proven"]
    assert "la recherche l'a prouvé" in html.unescape((out / "report.html").read_text(encoding="utf-8"))
