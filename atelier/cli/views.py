"""French renderings of the timeline for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from atelier.i18n import hour, short_date, short_datetime
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


def timeline_table(atelier: Atelier, stages: list[Stage], steps: list[Step]) -> Table:
    table = Table(title=f"{atelier.title} — calendrier", show_lines=False, expand=False)
    table.add_column("Étape", max_width=44)
    table.add_column("Clé", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Prévu", no_wrap=True)
    table.add_column("Prévision", no_wrap=True)
    table.add_column("Réalisé", no_wrap=True)
    table.add_column("Écart", justify="right")
    table.add_column("Critique", justify="center", no_wrap=True)
    for stage in stages:
        stage_steps = [s for s in steps if s.stage_id == stage.id]
        done = sum(1 for s in stage_steps if s.status is StepStatus.DONE)
        table.add_section()
        table.add_row(f"[bold]{stage.name}[/bold] ({done}/{len(stage_steps)} faites)")
        for step in stage_steps:
            table.add_row(
                f"  {step.name}",
                step.key,
                KIND_LABELS[step.kind],
                _when(step, "planned"),
                _when(step, "forecast") if step.status is StepStatus.PENDING else "",
                short_datetime(step.actual_end) if step.actual_end else "",
                _gap_days(step),
                "●" if step.on_critical_path else "",
            )
    return table


def print_timeline(
    console: Console,
    atelier: Atelier,
    stages: list[Stage],
    steps: list[Step],
    timeline: Timeline,
) -> None:
    console.print(f"[bold]{atelier.title}[/bold] ({atelier.slug})")
    console.print(f"Commanditaire : {atelier.commanditaire}")
    console.print(f"Question : {atelier.question}")
    console.print(f"Forme de l'avis : {AVIS_FORM_LABELS[atelier.avis_form]}")
    console.print(f"Décision : {short_date(atelier.decision_date)}")
    console.print(timeline_table(atelier, stages, steps))
    names = {s.key: s.name for s in steps}
    console.print("Chemin critique : " + " → ".join(names[k] for k in timeline.critical_path))
    console.print(
        f"Échéance de l'avis : {short_date(timeline.target_avis_date)} ; "
        f"prévision : {short_date(timeline.avis_end)} ; "
        f"marge : {timeline.slack_days} jour(s) ; "
        f"état : {RISK_LABELS[timeline.risk]}"
    )
    style = "red" if timeline.risk is Risk.AT_RISK else "yellow"
    for reason in timeline.reasons:
        console.print(f"[{style}]⚠ {reason}[/{style}]")
