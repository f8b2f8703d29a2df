"""A whole atelier over simulated months, every message through a real SMTP server."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlmodel import select

from atelier.clock import PARIS
from atelier.db import transaction
from atelier.demo.cast import CITIZENS, COPIL
from atelier.demo.run import simulate
from atelier.services.ateliers import get_atelier
from flows.lifecycle import advance_without_prefect
from models import CommitteeSeat, OutboxMessage, Person, Step
from models.enums import OutboxStatus
from tests.integration.helpers import World, calendar_parts, record_done


def test_whole_lifecycle_sends_the_right_messages_at_the_right_times(world: World) -> None:
    """Citizens, speakers, COPIL and team get what the rules say, when they say, once each."""
    simulate(world.runtime, world.clock, lambda slug, now: advance_without_prefect(world.runtime, slug, now))
    emails = world.emails()
    with transaction(world.runtime.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
        people = {p.id: p for p in session.exec(select(Person)).all()}
        steps = {s.key: s for s in session.exec(select(Step)).all()}
        committee = {people[c.person_id].full_name for c in session.exec(select(CommitteeSeat)).all()}
        session.expunge_all()
    sent = [r for r in rows if r.status is OutboxStatus.SENT]

    # Each message delivered once: the server saw as many messages as were marked sent.
    ids = [m["Message-ID"] for m in emails]
    assert len(ids) == len(set(ids)) == len(sent)

    # Every citizen: one invitation, four atelier invites (+ the restitution, + the comité de suivi's
    # two meetings for its members), two practical notes.
    by_person = Counter((people[r.person_id].full_name, r.kind) for r in sent if r.person_id)
    for name in CITIZENS:
        assert by_person[(name, "citizen_invitation")] == 1
        assert by_person[(name, "event_invitation")] == 5 + (2 if name in committee else 0)
        assert by_person[(name, "weekend_practical")] == 2
        assert by_person[(name, "weekend_reminder")] == 4
        assert by_person[(name, "avis_handover")] == 1
        assert by_person[(name, "droit_de_suite_notice")] == 1
    for name in COPIL:
        assert by_person[(name, "copil_convocation")] >= 3

    # Reminders left when they were due: 7 days and 1 day before each weekend, 09:00 Paris.
    for row in (r for r in sent if r.kind == "weekend_reminder"):
        weekend = steps[row.context["step"]]
        days = 7 if row.key.endswith("d7") else 1
        expected = (weekend.actual_end or weekend.forecast_end).astimezone(PARIS)
        expected_day = weekend.forecast_start.astimezone(PARIS).date() - timedelta(days=days)
        assert row.sent_at is not None and row.sent_at == row.due_at
        assert row.due_at.astimezone(PARIS).date() == expected_day
        assert (row.due_at.astimezone(PARIS).hour, row.due_at.astimezone(PARIS).minute) == (9, 0)
        assert expected.weekday() == 6

    # Confirmation reminders stop once people answer: only the late citizen got one.
    reminders = [r for r in rows if r.kind == "confirmation_reminder"]
    assert [people[r.person_id].full_name for r in reminders if r.status is OutboxStatus.SENT] == [
        "Odile Chevalier"
    ]
    assert all(r.status is OutboxStatus.CANCELLED for r in reminders if r.status is not OutboxStatus.SENT)

    # Weekend invites are valid iCalendar: Saturday 10:00 to Sunday 17:00, Europe/Paris.
    weekend_invites = [
        m
        for m in emails
        if "week-end" in str(m["Subject"])
        and m["To"].addresses[0].display_name == CITIZENS[0]
        and calendar_parts(m)
    ]
    assert len(weekend_invites) == 2
    for message in weekend_invites:
        (calendar,) = calendar_parts(message)
        event = calendar.walk("VEVENT")[0]
        start, end = event["dtstart"].dt, event["dtend"].dt
        assert str(calendar["method"]) == "REQUEST" and str(start.tzinfo) == "Europe/Paris"
        assert (start.weekday(), start.hour, end.weekday(), end.hour) == (5, 10, 6, 17)


def test_moved_meeting_sends_an_updated_invite_with_the_same_uid(world: World) -> None:
    """COPIL n°1 approved late moves COPIL n°2: members get the same UID with a higher SEQUENCE."""
    simulate(
        world.runtime,
        world.clock,
        lambda slug, now: advance_without_prefect(world.runtime, slug, now),
        until=lambda: record_done(world, "copil_2"),
    )
    member = COPIL[0]
    convocations = [
        m
        for m in world.emails()
        if m["To"].addresses[0].display_name == member and "Convocation — COPIL n°2" in str(m["Subject"])
    ]
    assert len(convocations) >= 2
    events = [calendar_parts(m)[0].walk("VEVENT")[0] for m in convocations]
    assert len({str(e["uid"]) for e in events}) == 1
    sequences = [int(e["sequence"]) for e in events]
    assert sequences == sorted(sequences) and sequences[-1] > sequences[0]
    assert events[-1]["dtstart"].dt > events[0]["dtstart"].dt
    assert str(convocations[-1]["Subject"]).startswith("Modification")


def test_cancelled_session_sends_cancel_and_drops_its_reminders(world: World) -> None:
    """Cancelling an online session sends METHOD:CANCEL (same UID, higher SEQUENCE), no reminders."""
    from atelier.services.timeline import cancel_event

    advance = lambda slug, now: advance_without_prefect(world.runtime, slug, now)  # noqa: E731
    simulate(world.runtime, world.clock, advance, until=lambda: record_done(world, "weekend_1"))
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        cancel_event(
            session=session,
            atelier=atelier,
            step_key="session_en_ligne_2",
            reason="fusion",
            now=world.clock.now(),
        )
    simulate(world.runtime, world.clock, advance, until=lambda: record_done(world, "weekend_2"))
    citizen = CITIZENS[1]
    mine = [m for m in world.emails() if m["To"].addresses[0].display_name == citizen]
    session_2 = [
        calendar_parts(m)[0]
        for m in mine
        if calendar_parts(m) and "Session en ligne n°2" in str(m["Subject"])
    ]
    methods = [str(c["method"]) for c in session_2]
    assert methods == ["REQUEST", "CANCEL"]
    request, cancel = (c.walk("VEVENT")[0] for c in session_2)
    assert str(request["uid"]) == str(cancel["uid"])
    assert int(cancel["sequence"]) > int(request["sequence"])
    assert not [
        m for m in mine if "Session en ligne n°2" in str(m["Subject"]) and "Rappel" in str(m["Subject"])
    ]


def test_an_event_past_its_date_and_not_recorded_is_not_announced_as_moved(world: World) -> None:
    """Weekend 1 not recorded two days after it ended: the forecast says it is late, but citizens
    get no « Modification » invite for a weekend that has already taken place."""
    advance = lambda slug, now: advance_without_prefect(world.runtime, slug, now)  # noqa: E731
    simulate(world.runtime, world.clock, advance, until=lambda: record_done(world, "copil_3"))
    simulate(world.runtime, world.clock, advance, until=lambda: _sent_count(world, "weekend_1") > 0)
    with transaction(world.runtime.engine) as session:
        weekend = session.exec(select(Step).where(Step.key == "weekend_1")).one()
        revision, end = weekend.revision, weekend.forecast_end
    for hours in (2, 26, 50):  # the engine passes a few times; nobody records the weekend
        world.clock.set(end + timedelta(hours=hours))
        advance_without_prefect(world.runtime, world.slug, world.clock.now())
    with transaction(world.runtime.engine) as session:
        weekend = session.exec(select(Step).where(Step.key == "weekend_1")).one()
        assert weekend.forecast_end > end  # the forecast shows it late...
        assert weekend.revision == revision  # ...without a new version to announce
        invites = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "event_invitation")).all()
    assert not [
        r for r in invites if r.context.get("step") == "weekend_1" and r.subject.startswith("Modification")
    ]


def _sent_count(world: World, step_key: str) -> int:
    with transaction(world.runtime.engine) as session:
        rows = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == "event_invitation", OutboxMessage.status == OutboxStatus.SENT
            )
        ).all()
        return sum(1 for r in rows if r.context.get("step") == step_key)


def test_the_published_avis_is_recorded_with_its_address(world: World) -> None:
    """Recording the avis's publication without its address, or with one that is not a web
    address, is refused and changes nothing; with it, the step keeps the address. (The
    commanditaire's answer is closed by its gate and published on the public record:
    ``test_answer_gate``.)"""
    from atelier.errors import Refused
    from atelier.services.timeline import get_step, record_step_done
    from tests.helpers import refused
    from tests.served import snapshot

    advance = lambda slug, now: advance_without_prefect(world.runtime, slug, now)  # noqa: E731
    simulate(world.runtime, world.clock, advance, until=lambda: record_done(world, "remise_avis"))
    world.clock.advance(timedelta(days=3))

    def record(url: str | None) -> None:
        with transaction(world.runtime.engine) as session:
            atelier = get_atelier(session=session, slug=world.slug)
            record_step_done(
                session=session,
                atelier=atelier,
                step_key="publication_avis",
                done_at=world.clock.now(),
                actor="cli",
                now=world.clock.now(),
                public_url=url,
            )

    before = snapshot(world.runtime.engine)
    with refused("indiquez l'adresse où la lire (option --lien)", Refused):
        record(None)
    with refused("adresse de publication invalide", Refused):
        record("www.example.gouv.fr/avis")
    assert snapshot(world.runtime.engine) == before
    url = "https://www.example.gouv.fr/ateliers-citoyens/mobilites/avis"
    record(url)
    with transaction(world.runtime.engine) as session:
        atelier = get_atelier(session=session, slug=world.slug)
        assert get_step(session=session, atelier=atelier, key="publication_avis").public_url == url
