"""The standalone lottery: files in, files out (``atelier panel lottery`` and the benchmark)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atelier.errors import Refused
from atelier.panel.draw import Draw, commitment, draw, publication
from atelier.panel.lottery import Distribution, Problem
from atelier.panel.model import Pool, Quota, read_pool, read_quotas, types_of
from atelier.panel.relax import solve_or_explain
from atelier.panel.report import Report, build_report, probabilities_csv, report_csv, report_html
from atelier.panel.watch import Watch
from atelier.sheets.spreadsheet import read_sheet
from atelier.sheets.writing import csv_text

PUBLICATION = "publication.json"


@dataclass(frozen=True)
class Lottery:
    pool: Pool
    quotas: tuple[Quota, ...]
    size: int
    distribution: Distribution
    published: dict[str, Any]
    commitment: str
    draw: Draw


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise Refused(f"{what} : fichier illisible ou introuvable ({path})", f"cannot read {what}") from None


def run_lottery(
    pool_file: Path, quotas_file: Path, size: int, seed: str, algorithm: str = "maximin",
    watch: Watch | None = None,
) -> Lottery:  # fmt: skip
    """Read, solve (MAXIMIN or LEXIMIN), commit and draw; infeasible quotas are refused with their fix."""
    quotas = tuple(read_quotas(read_sheet(_read(quotas_file, "quotas"), name=quotas_file.name)))
    pool = read_pool(read_sheet(_read(pool_file, "volontaires"), name=pool_file.name), list(quotas))
    if size < 1:
        raise Refused("la taille du panel doit être d'au moins 1", "panel size below 1")
    types = types_of(pool)
    problem = Problem(types, pool.categories, quotas, size)
    distribution = solve_or_explain(problem, algorithm, watch)
    published = publication(pool, quotas, size, algorithm, distribution, types)
    return Lottery(
        pool, quotas, size, distribution, published, commitment(published),
        draw(published, seed),
    )  # fmt: skip


def write_results(lottery: Lottery, seed: str, out: Path) -> None:
    """probabilities.csv, panel.csv, report.html and the publication the draw can be re-run from."""
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(lottery.published, lottery.commitment, seed)
    write_publication(lottery.published, report, out)
    features = dict(zip(lottery.pool.ids, lottery.pool.features, strict=True))
    rows = [["id", *lottery.pool.categories], *([pid, *features[pid]] for pid in lottery.draw.panel)]
    (out / "panel.csv").write_text(csv_text(rows, delimiter=",", bom=False), encoding="utf-8", newline="")


def published_json(published: dict[str, Any]) -> bytes:
    return json.dumps(published, ensure_ascii=False, indent=1).encode("utf-8")


def write_publication(
    published: dict[str, Any], report: Report, out: Path, *, title: str | None = None
) -> None:
    """What anyone may read: the publication, the report (HTML and CSV) and each id's chance."""
    out.mkdir(parents=True, exist_ok=True)
    (out / PUBLICATION).write_bytes(published_json(published))
    (out / "report.html").write_text(report_html(report, title=title), encoding="utf-8")
    (out / "report.csv").write_bytes(report_csv(report))
    (out / "probabilities.csv").write_bytes(probabilities_csv(report))


def verify(out: Path, seed: str) -> tuple[str, Draw]:
    """Re-run the draw from the published file: its commitment and the panel it gives."""
    published = json.loads(_read(out / PUBLICATION, "publication").decode("utf-8"))
    return commitment(published), draw(published, seed)
