"""The standalone lottery: files in, files out (``atelier panel lottery`` and the benchmark)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from atelier.errors import Refused
from atelier.panel.draw import Draw, commitment, draw, publication
from atelier.panel.lottery import Distribution, Problem
from atelier.panel.model import Pool, Quota, read_pool, read_quotas, types_of
from atelier.panel.relax import solve_or_explain
from atelier.services.spreadsheet import read_sheet

PUBLICATION = "publication.json"


@dataclass(frozen=True)
class Lottery:
    pool: Pool
    quotas: tuple[Quota, ...]
    size: int
    distribution: Distribution
    person_probability: dict[str, float]
    published: dict[str, Any]
    commitment: str
    draw: Draw


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise Refused(f"{what} : fichier illisible ou introuvable ({path})", f"cannot read {what}") from None


def run_lottery(
    pool_file: Path, quotas_file: Path, size: int, seed: str, algorithm: str = "maximin"
) -> Lottery:
    """Read, solve (MAXIMIN or LEXIMIN), commit and draw; infeasible quotas are refused with their fix."""
    quotas = tuple(read_quotas(read_sheet(_read(quotas_file, "quotas"), name=quotas_file.name)))
    pool = read_pool(read_sheet(_read(pool_file, "volontaires"), name=pool_file.name), list(quotas))
    if size < 1:
        raise Refused("la taille du panel doit être d'au moins 1", "panel size below 1")
    types = types_of(pool)
    problem = Problem(types, pool.categories, quotas, size)
    distribution = solve_or_explain(problem, algorithm)
    published = publication(pool, quotas, size, algorithm, distribution, types)
    by_type = dict(zip(types.keys, distribution.type_probability, strict=True))
    person_probability = {
        person_id: by_type[features] for person_id, features in zip(pool.ids, pool.features, strict=True)
    }
    return Lottery(
        pool, quotas, size, distribution, person_probability, published, commitment(published),
        draw(published, seed),
    )  # fmt: skip


def write_results(lottery: Lottery, seed: str, out: Path) -> None:
    """probabilities.csv, panel.csv, report.html and the publication the draw can be re-run from."""
    out.mkdir(parents=True, exist_ok=True)
    (out / PUBLICATION).write_text(
        json.dumps(lottery.published, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    with (out / "probabilities.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "probability"])
        for person_id in lottery.pool.ids:
            writer.writerow([person_id, f"{lottery.person_probability[person_id]:.6f}"])
    features = dict(zip(lottery.pool.ids, lottery.pool.features, strict=True))
    with (out / "panel.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", *lottery.pool.categories])
        for person_id in lottery.draw.panel:
            writer.writerow([person_id, *features[person_id]])
    (out / "report.html").write_text(report_html(lottery, seed), encoding="utf-8")


def report_html(lottery: Lottery, seed: str) -> str:
    """The transparency report: method, quotas against pool and panel, probabilities, commitment."""
    at = {c: i for i, c in enumerate(lottery.pool.categories)}
    drawn = set(lottery.draw.panel)
    rows = []
    for q in lottery.quotas:
        in_pool = sum(1 for f in lottery.pool.features if f[at[q.category]] == q.value)
        in_panel = sum(
            1 for i, f in zip(lottery.pool.ids, lottery.pool.features, strict=True)
            if i in drawn and f[at[q.category]] == q.value
        )  # fmt: skip
        rows.append({"quota": q, "pool": in_pool, "panel": in_panel})
    probabilities = sorted(lottery.person_probability.values())
    fair = lottery.size / len(probabilities)
    bands = [(0.0, fair / 2), (fair / 2, fair), (fair, 2 * fair), (2 * fair, 1.0 + 1e-9)]
    histogram = [
        {"low": low, "high": min(high, 1.0), "count": sum(1 for p in probabilities if low <= p < high)}
        for low, high in bands
    ]
    pages = Environment(loader=PackageLoader("atelier.panel", "."), autoescape=select_autoescape(["html"]))
    return pages.get_template("report.html").render(
        lottery=lottery, seed=seed, rows=rows, histogram=histogram, fair=fair,
        minimum=probabilities[0], below_half=sum(1 for p in probabilities if p < fair / 2),
    )  # fmt: skip


def verify(out: Path, seed: str) -> tuple[str, Draw]:
    """Re-run the draw from the published file: its commitment and the panel it gives."""
    published = json.loads(_read(out / PUBLICATION, "publication").decode("utf-8"))
    return commitment(published), draw(published, seed)
