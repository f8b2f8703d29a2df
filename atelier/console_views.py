"""French renderings of the timeline for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from atelier.french import count
from atelier.i18n import hour, short_date, short_datetime
from atelier.planning.french_calendar import VenueCalendar
from atelier.planning.timeline import RISK_LABELS, Risk, Timeline
from models import Atelier, Stage, Step
from models.enums import AVIS_FORM_LABELS, StepKind, StepStatus

KIND_LABELS = {
    StepKind.TASK: "tâche",
    StepKind.MEETING: "réunion",
    StepKind.DECISION: "décision",
    StepKind.WEEKEND: "week-end",
    StepKind.ONLINE_SESSION: "session en ligne",
    StepKind.MILESTONE: "jalon",
}


def _when(step: Step, which: str) -> str:
    start = getattr(step, f"{which}_start")
    end = getattr(step, f"{which}_end")
    if step.kind is StepKind.WEEKEND:
        return f"{short_datetime(start)} → dim. {hour(end)}"
    if step.kind in (StepKind.TASK, StepKind.DECISION):
        return f"au {short_date(end)}"
    return short_datetime(start)


def _gap_days(step: Step) -> str:
    reference = step.actual_end or step.forecast_end
    days = (reference.date() - step.planned_end.date()).days
    if days == 0:
        return ""
    return f"{days:+d} j"


# Below this width the eight columns do not fit: one column per date instead.
WIDE_LAYOUT_MIN_COLUMNS = 120


def timeline_table(atelier: Atelier, stages: list[Stage], steps: list[Step], *, width: int = 200) -> Table:
    """The calendar by stage; names are data (never markup) and wrap rather than collapse."""
    if width < WIDE_LAYOUT_MIN_COLUMNS:
        return _compact_table(atelier, stages, steps)
    table = Table(title=Text(f"{atelier.title} — calendrier"), show_lines=False, expand=False)
    table.add_column("Étape", max_width=44, overflow="fold")
    table.add_column("Clé", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Prévu", no_wrap=True)
    table.add_column("Prévision", no_wrap=True)
    table.add_column("Réalisé", no_wrap=True)
    table.add_column("Écart", justify="right")
    table.add_column("Critique", justify="center", no_wrap=True)
    for stage, stage_steps in _by_stage(stages, steps):
        table.add_section()
        table.add_row(_stage_title(stage, stage_steps))
        for step in stage_steps:
            table.add_row(
                Text(f"  {step.name}"),
                step.key,
                KIND_LABELS[step.kind],
                _when(step, "planned"),
                _when(step, "forecast") if step.status is StepStatus.PENDING else "",
                short_datetime(step.actual_end) if step.actual_end else "",
                _gap_days(step),
                "●" if step.on_critical_path else "",
            )
    return table


def _compact_table(atelier: Atelier, stages: list[Stage], steps: list[Step]) -> Table:
    """80 columns: the name wraps over the key and type; planned and forecast or done side by side."""
    table = Table(title=Text(f"{atelier.title} — calendrier"), expand=True)
    table.add_column("Étape (● chemin critique)", ratio=3, overflow="fold")
    table.add_column("Prévu", ratio=2)
    table.add_column("Prévision / réalisé", ratio=2)
    table.add_column("Écart", justify="right", no_wrap=True)
    for stage, stage_steps in _by_stage(stages, steps):
        table.add_section()
        table.add_row(_stage_title(stage, stage_steps))
        for step in stage_steps:
            name = Text(("● " if step.on_critical_path else "") + step.name)
            name.append(f"\n{step.key} · {KIND_LABELS[step.kind]}", style="dim")
            if step.actual_end:
                latest = "fait " + short_datetime(step.actual_end)
            else:
                latest = _when(step, "forecast") if step.status is StepStatus.PENDING else ""
            table.add_row(name, _when(step, "planned"), latest, _gap_days(step))
    return table


def _by_stage(stages: list[Stage], steps: list[Step]) -> list[tuple[Stage, list[Step]]]:
    return [(stage, [s for s in steps if s.stage_id == stage.id]) for stage in stages]


def _stage_title(stage: Stage, stage_steps: list[Step]) -> Text:
    done = sum(1 for s in stage_steps if s.status is StepStatus.DONE)
    title = Text(stage.name, style="bold")
    title.append(f" ({done}/{len(stage_steps)} faites)")
    return title


def print_timeline(
    console: Console,
    atelier: Atelier,
    stages: list[Stage],
    steps: list[Step],
    timeline: Timeline,
) -> None:
    console.print(f"[bold]{escape(atelier.title)}[/bold] ({escape(atelier.slug)})")
    console.print(Text(f"Commanditaire : {atelier.commanditaire}"))
    console.print(Text(f"Question : {atelier.question}"))
    console.print(f"Forme de l'avis : {AVIS_FORM_LABELS[atelier.avis_form]}")
    console.print(f"Décision : {short_date(atelier.decision_date)}")
    if atelier.venue_departement:
        venue = VenueCalendar(atelier.venue_departement)
        zone = f", {venue.zone_label}" if venue.school_zone else ""
        console.print(Text(f"Lieu : département {atelier.venue_departement}{zone}"))
    console.print(timeline_table(atelier, stages, steps, width=console.width))
    names = {s.key: s.name for s in steps}
    console.print(Text("Chemin critique : " + " → ".join(names[k] for k in timeline.critical_path)))
    console.print(
        f"Échéance de l'avis : {short_date(timeline.target_avis_date)} ; "
        f"prévision : {short_date(timeline.avis_end)} ; "
        f"marge : {count(timeline.slack_days, 'jour')} ; "
        f"état : {RISK_LABELS[timeline.risk]}"
    )
    style = "red" if timeline.risk is Risk.AT_RISK else "yellow"
    for reason in timeline.reasons:
        console.print(Text(f"⚠ {reason}", style=style))
    notes = date_notes(timeline, {s.key: s.name for s in steps if s.status is not StepStatus.DONE})
    if notes:
        console.print("Remarques sur les dates :")
        for line in notes:
            console.print(Text(f"  - {line}"))


def date_notes(timeline: Timeline, names: dict[str, str]) -> list[str]:
    """Why steps sit where they do (holidays avoided or kept), for the steps in ``names``."""
    return [
        f"« {name} » : {note}"
        for key, name in names.items()
        if (note := timeline.steps[key].note) and not note.startswith("décalé par")
    ]
