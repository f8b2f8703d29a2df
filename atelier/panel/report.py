"""The transparency report of a lottery, from what was published before the draw and the seed:
the method, the quotas against the pool and the panel, every volunteer's chance of selection (a
chart and its table), the commitment and the seed. No personal data: volunteers appear only as
the pseudonymous ids of the publication.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from atelier.i18n import percent
from atelier.panel.draw import draw
from atelier.sheets.writing import csv_text

METHODS = {
    "maximin": "MAXIMIN : la loterie rend la plus faible chance d'être tiré aussi grande que possible",
    "leximin": (
        "LEXIMIN : la loterie rend la plus faible chance d'être tiré aussi grande que possible, puis "
        "la suivante, et ainsi de suite"
    ),
}
CHART_WIDTH, CHART_HEIGHT, CHART_POINTS = 640, 240, 400


@dataclass(frozen=True)
class ReportRow:
    category: str
    value: str
    min: int
    max: int
    in_pool: int
    in_drawn: int | None  # None before the draw
    in_final: int | None  # the panel after replacements, when it differs from the one drawn


@dataclass(frozen=True)
class Band:
    label: str
    count: int


@dataclass(frozen=True)
class Report:
    algorithm: str
    method: str
    version: str
    size: int
    pool_size: int
    commitment: str
    seed: str | None
    rows: tuple[ReportRow, ...]
    probability: dict[str, float]  # by pseudonymous id
    compositions: int  # panels of non-zero probability
    fair: float  # K/n, everyone's chance without quotas
    minimum: float
    below_half: int  # volunteers under half of K/n
    bands: tuple[Band, ...]
    chart: str  # the SVG polyline's points, volunteers sorted by their chance
    fair_y: float
    top: float  # the chance at the chart's top edge
    optimality: str | None  # whether the search proved it the best possible (optimality_sentence)

    def percent(self, value: float) -> str:
        return percent(value, 2)


def optimality_sentence(published: dict[str, Any]) -> str | None:
    """Whether the search proved the published lottery the best possible, in one French sentence
    (None for a publication made before the search said so)."""
    optimality = published.get("optimality")
    if optimality is None:
        return None
    if optimality["proven"]:
        return (
            "Aucune autre loterie respectant ces quotas ne donne une plus faible probabilité "
            "plus élevée : la recherche l'a prouvé."
        )
    bound, minimum = float(optimality["bound"]), float(optimality["minimum"])
    return (
        "La recherche a été arrêtée à la limite de temps fixée, avant de prouver que cette loterie "
        "est la meilleure possible : aucune loterie respectant ces quotas ne peut donner à chacun plus "
        f"de {percent(bound, 3)}, soit un écart d'au plus {percent(bound - minimum, 3)} avec la plus "
        "faible probabilité obtenue."
    )


def probabilities_of(published: dict[str, Any]) -> dict[str, float]:
    """Each id's chance: the expected share of their type chosen, over the published panels."""
    sizes: dict[tuple[str, ...], int] = {}
    for _, *features in published["pool"]:
        sizes[tuple(features)] = sizes.get(tuple(features), 0) + 1
    keys = [tuple(k) for k in published["types"]]
    expected = [Decimal(0)] * len(keys)
    for composition, p in zip(published["compositions"], published["probabilities"], strict=True):
        for t, wanted in enumerate(composition):
            expected[t] += Decimal(p) * wanted
    by_type = {key: float(e / sizes[key]) for key, e in zip(keys, expected, strict=True)}
    return {person_id: by_type[tuple(features)] for person_id, *features in published["pool"]}


def _chart(sorted_probabilities: list[float], top: float) -> str:
    n = len(sorted_probabilities)
    step = max(1, n // CHART_POINTS)
    picked = list(range(0, n, step)) + ([n - 1] if (n - 1) % step else [])
    points = [
        (i / max(1, n - 1) * CHART_WIDTH, CHART_HEIGHT - sorted_probabilities[i] / top * CHART_HEIGHT)
        for i in picked
    ]
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def build_report(
    published: dict[str, Any], commitment: str, seed: str | None, final_panel: Sequence[str] | None = None
) -> Report:
    """The report of a sealed lottery; with the seed, of its draw too; with the final panel (after
    replacements), of that panel beside the one drawn."""
    categories = published["categories"]
    features = {person_id: dict(zip(categories, rest, strict=True)) for person_id, *rest in published["pool"]}
    drawn = set(draw(published, seed).panel) if seed is not None else None
    final = set(final_panel) if final_panel is not None and drawn is not None else None
    if final is not None and final == drawn:
        final = None

    def counted(category: str, value: str, among: set[str] | None) -> int | None:
        if among is None:
            return None
        return sum(1 for person_id in among if features[person_id][category] == value)

    rows = tuple(
        ReportRow(
            category, value, low, high,
            sum(1 for f in features.values() if f[category] == value),
            counted(category, value, drawn), counted(category, value, final),
        )
        for category, value, low, high in published["quotas"]
    )  # fmt: skip
    # Rounded so that equal chances, published to 12 decimals, fall in the same band.
    probability = {i: round(p, 9) for i, p in probabilities_of(published).items()}
    ordered = sorted(probability.values())
    size = int(published["size"])
    fair = size / len(ordered)
    edges = sorted({0.0, round(fair / 2, 9), round(fair, 9), round(min(2 * fair, 1.0), 9), 1.0})
    bands = []
    for low, high in itertools.pairwise(edges):
        last = high == 1.0
        bands.append(
            Band(
                f"de {percent(low, 2)} à {percent(high, 2)}" + (" inclus" if last else " exclu"),
                sum(1 for p in ordered if low <= p < high or (last and p == high)),
            )
        )
    top = max(ordered[-1], fair) * 1.1 or 1.0
    algorithm = str(published["algorithm"])
    return Report(
        algorithm.upper(), METHODS.get(algorithm, algorithm), str(published["version"]), size, len(ordered),
        commitment, seed, rows, probability,
        sum(1 for p in published["probabilities"] if Decimal(p) > 0),
        fair, ordered[0], sum(1 for p in ordered if p < fair / 2), tuple(bands),
        _chart(ordered, top), CHART_HEIGHT - fair / top * CHART_HEIGHT, top, optimality_sentence(published),
    )  # fmt: skip


def report_html(report: Report, *, title: str | None = None) -> str:
    pages = Environment(
        loader=PackageLoader("atelier.panel", "."),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )
    return pages.get_template("report.html").render(
        report=report, title=title, width=CHART_WIDTH, height=CHART_HEIGHT
    )


def report_csv(report: Report) -> bytes:
    """The composition against the quotas, for a spreadsheet (Excel reads « ; » and the BOM)."""
    rows: list[list[object]] = [
        ["critere", "valeur", "minimum", "maximum", "vivier", "panel_tire", "panel_final"]
    ]
    for r in report.rows:
        drawn = "" if r.in_drawn is None else r.in_drawn
        final = drawn if r.in_final is None else r.in_final
        rows.append([r.category, r.value, r.min, r.max, r.in_pool, drawn, final])
    return csv_text(rows).encode("utf-8")


def probabilities_csv(report: Report) -> bytes:
    """``id,probability``: each pseudonymous id's chance, so each volunteer can find their own."""
    rows = [["id", "probability"], *([person_id, f"{p:.6f}"] for person_id, p in report.probability.items())]
    return csv_text(rows, delimiter=",", lineterminator="\n", bom=False).encode("utf-8")
