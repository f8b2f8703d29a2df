"""The French report printed at the end of the demo."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from sqlmodel import col, select

from atelier.bootstrap import Runtime
from atelier.console_views import timeline_table
from atelier.db import transaction
from atelier.french import count
from atelier.i18n import short_date, short_datetime
from atelier.services.ateliers import get_atelier
from atelier.services.committee import committee_of
from atelier.services.gates import STATUS_LABELS, gates_of
from atelier.services.mandat import mandat_of
from atelier.services.public_files import write_record
from atelier.services.public_record import public_record
from atelier.services.timeline import stages_of, steps_of
from models import Decision, Membership, OutboxMessage, Person
from models.enums import OUTCOME_LABELS, ROLE_LABELS, OutboxStatus, Role, StepKind

CHANNEL_LABELS = {
    "link": "lien signé",
    "meeting": "en séance",
    "cli": "ligne de commande",
    "simulation": "simulé",
}


def print_report(console: Console, runtime: Runtime, slug: str, mailbox: Path) -> list[str]:
    """Print the report and write the public record beside the mailbox (``public/``); return the
    checks that failed (empty when all hold)."""
    failures: list[str] = []
    with transaction(runtime.engine) as session:
        atelier = get_atelier(session=session, slug=slug)
        stages = stages_of(session=session, atelier=atelier)
        steps = steps_of(session=session, atelier=atelier)
        gates = gates_of(session=session, atelier=atelier)
        names = {p.id: p.full_name for p in session.exec(select(Person)).all()}
        decisions = session.exec(select(Decision).order_by(col(Decision.decided_at))).all()
        roles: dict[int, set[str]] = {}
        for membership in session.exec(select(Membership).where(Membership.atelier_id == atelier.id)).all():
            roles.setdefault(membership.person_id, set()).add(membership.role)
        outbox = session.exec(select(OutboxMessage).where(OutboxMessage.atelier_id == atelier.id)).all()
        record = public_record(session=session, atelier=atelier)
        mandat = mandat_of(session=session, atelier=atelier, team_email=runtime.settings.team_email)
        committee = committee_of(session=session, atelier=atelier)
        session.expunge_all()

    console.rule(Text(atelier.title, style="bold"))
    console.print(timeline_table(atelier, stages, steps, width=console.width))

    console.rule("Décisions")
    for gate in gates:
        console.print(f"[bold]{escape(gate.name)}[/bold] — {STATUS_LABELS[gate.status]} (tour {gate.round})")
        for decision in (d for d in decisions if d.gate_id == gate.id):
            comment = f" — « {decision.comment} »" if decision.comment else ""
            console.print(
                Text(
                    f"   tour {decision.round} · {short_datetime(decision.decided_at)} · "
                    f"{names.get(decision.person_id, '?')} : {OUTCOME_LABELS[decision.outcome]} "
                    f"({CHANNEL_LABELS.get(decision.channel.value, decision.channel.value)}){comment}"
                )
            )

    console.rule("Messages")
    table = Table(title="Messages envoyés par public et par type")
    table.add_column("Public")
    table.add_column("Type de message")
    table.add_column("Envoyés", justify="right")
    counts: Counter[tuple[str, str]] = Counter()
    for row in outbox:
        if row.status is not OutboxStatus.SENT:
            continue
        person_roles = roles.get(row.person_id or -1, {Role.PROJECT_TEAM.value})
        audience = ", ".join(sorted(ROLE_LABELS[Role(r)] for r in person_roles))
        counts[(audience, row.kind)] += 1
    for (audience, kind), sent in sorted(counts.items()):
        table.add_row(audience, kind, str(sent))
    console.print(table)
    status_counts = Counter(row.status.value for row in outbox)
    files = sorted(mailbox.glob("*.eml"))
    console.print(
        Text(
            f"Boîte aux lettres : {mailbox} — {count(len(files), 'fichier')} .eml ; "
            f"envoyés {status_counts['sent']}, annulés {status_counts['cancelled']}, "
            f"en attente {status_counts['pending']}, en échec {status_counts['failed']}."
        )
    )

    console.rule("Droit de suite")
    answered = [p for p in record.proposals if p.answer is not None]
    console.print(
        Text(
            f"Avis validé le {record.avis_validated_on or '—'} : {len(record.proposals)} propositions ; "
            "réponses publiées : " + " ; ".join(f"{label} {n}" for label, n in record.summary) + "."
        )
    )
    digests = [r for r in outbox if r.kind == "follow_up_digest" and r.status is OutboxStatus.SENT]
    console.print(
        Text(
            f"Suivi : {sum(len(p.updates) for p in record.proposals)} points d'étape publiés ; "
            f"{len(digests)} lettres de suivi envoyées aux citoyens "
            f"({count(len({r.context.get('week') for r in digests}), 'semaine')} avec du nouveau)."
        )
    )
    marked = [p for p in record.proposals if p.marks]
    console.print(
        Text(
            "Regard des citoyens sur la réponse : "
            + " ; ".join(
                f"n°{p.number} {p.mark_average:.1f}/10 ({p.marks} notes)".replace(".", ",")
                for p in marked
                if p.mark_average is not None
            )
            + "."
        )
    )
    console.print(
        Text(
            "Évaluation de la démarche : "
            + " ; ".join(f"{group} {count(answered, 'réponse')} sur {asked}" for group, answered, asked in
                         record.evaluation_respondents)
            + "."
        )
    )  # fmt: skip
    console.print(Text(f"Comité de suivi citoyen : {record.committee or 'aucun'}"))
    public = mailbox.parent / "public"
    write_record(record, mandat, public)
    console.print(Text(f"Compte rendu public, sans donnée personnelle : {public / 'index.html'}"))

    console.rule("Vérifications")
    copil = [g for g in gates if g.key.startswith("copil_")]
    weekends = [s for s in steps if s.kind is StepKind.WEEKEND]
    avis = next(s for s in steps if s.key == "remise_avis")
    checks = [
        (
            len(copil) == 3 and all(g.status.value == "approved" for g in copil),
            "trois décisions du COPIL approuvées",
        ),
        (len(weekends) == 2 and all(s.actual_end for s in weekends), "deux week-ends tenus"),
        (
            avis.actual_end is not None and avis.actual_end.date() <= atelier.target_avis_date,
            f"avis remis le {short_date(avis.actual_end) if avis.actual_end else '—'}, "
            f"dans les quatre mois (échéance {short_date(atelier.target_avis_date)})",
        ),
        (len({r.message_id for r in outbox}) == len(outbox), "aucun Message-ID en double"),
        (
            bool(record.proposals) and len(answered) == len(record.proposals),
            "une réponse motivée publiée pour chaque proposition de l'avis",
        ),
        (len(digests) >= 15, "les citoyens informés des suites, au plus une lettre par semaine"),
        (
            bool(marked) and len(marked) == len(record.proposals),
            "les citoyens ont noté la réponse à chaque proposition",
        ),
        (
            committee is not None
            and bool(committee.members)
            and all(held for _, _, held in committee.meetings),
            "le comité de suivi citoyen constitué et réuni",
        ),
        (
            bool(record.evaluation_respondents) and all(n > 0 for _, n, _ in record.evaluation_respondents),
            "la démarche évaluée par les citoyens, le commanditaire et le COPIL",
        ),
        (atelier.completed_at is not None, "droit de suite mené à son terme"),
    ]
    for ok, label in checks:
        console.print(Text(("✔ " if ok else "✘ ") + label))
        if not ok:
            failures.append(label)
    return failures
