"""The hands of a browser lifecycle test: a team member and the people they invite, acting only
through pages in Chromium. ``Ui`` opens pages (keeping a screenshot, the width at 375 px and axe's
findings of each kind of page); ``BrowserWorld`` is the demo's simulated world, whose people act
at the same moments but through the browser instead of the services."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import FilePayload, Page, expect
from sqlmodel import Session, select

from atelier.bootstrap import Runtime
from atelier.clock import PARIS
from atelier.db import transaction
from atelier.demo.avis import ANSWERS, AVIS_TEXT, PROPOSALS, UPDATES
from atelier.demo.voice import Intent
from atelier.demo.world import ANSWER_LINK, DECISION_LINK, PUBLICATION_SITE, REVISION_NOTE, SimulatedWorld
from atelier.sealer import SealInCaller, SealWatcher
from atelier.services.ateliers import get_atelier
from atelier.services.recruitment import find_lottery, volunteers_of
from atelier.services.replacements import replacements_of
from atelier.services.timeline import steps_of
from models import Gate, Person
from models.enums import DecisionOutcome, GateStatus, ReplacementStatus, VolunteerStatus
from models.types import pk

PHONE, DESKTOP = 375, 1280
SEED = "7 19 23 31 42"


def paris_day_and_hour(when: datetime) -> tuple[str, str]:
    local = when.astimezone(PARIS)
    return local.date().isoformat(), local.strftime("%H:%M")


@dataclass
class Ui:
    """One person's browser (the team's, or a guest's for links), over the served app."""

    page: Page
    site: str
    runtime: Runtime
    shots: Path
    email: str | None = None  # the team member signed in, signed in again when the session ends
    kinds_seen: set[str] = field(default_factory=set)
    wide: dict[str, int] = field(default_factory=dict)
    axe: dict[str, list[str]] = field(default_factory=dict)

    def go(self, path: str) -> None:
        self.page.goto(self.site + path)
        if self.email is not None and self.page.url.split("?")[0].endswith("/connexion"):
            self.sign_in_again()
            self.page.goto(self.site + path)
        self.look()

    def look(self) -> None:
        """The first page of each kind: kept as screenshots at both widths, measured, checked by axe."""
        path = self.page.url.removeprefix(self.site).split("?")[0]
        kind = re.sub(r"/\d+(?=/|$)", "/numero", path)
        kind = re.sub(r"/[A-Za-z0-9_.-]{30,}(?=/|$)", "/jeton", kind)  # a link's token
        kind = re.sub(r"^/espace/(?!nouvel-atelier|comptes)[^/]+", "/espace/atelier", kind)
        if kind in self.kinds_seen:
            return
        self.kinds_seen.add(kind)
        name = re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-") or "accueil"
        for width in (DESKTOP, PHONE):
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(self.shots / f"{name}-{width}.png"), full_page=True)
        scroll = int(self.page.evaluate("document.documentElement.scrollWidth"))
        if scroll > PHONE:
            self.wide[kind] = scroll
        found = [v["id"] for v in Axe().run(self.page).response["violations"]]
        if found:
            self.axe[kind] = found
        self.page.set_viewport_size({"width": DESKTOP, "height": 900})

    def submit(self, button: str) -> str:
        """Press the button named so; the page's text after it."""
        self.page.get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_load_state()
        self.look()
        return self.page.inner_text("main")

    def sign_in(self, email: str, link: Callable[[], str]) -> None:
        """As a newcomer does: the sign-in page, the address typed, the link received."""
        self.go("/connexion")
        self.page.fill("#email", email)
        self.submit("Recevoir un lien de connexion")
        self.page.goto(link())
        self.look()
        self.submit("Me connecter")
        self.email = email

    def sign_in_again(self) -> None:
        """Weeks later the session has ended: the person opens a new sign-in link, signed here as the
        sign-in e-mail's is (asking through the page each time would meet its per-client limit:
        ten requests a quarter of an hour, and months pass in seconds here)."""
        with transaction(self.runtime.engine) as session:
            person = session.exec(select(Person).where(Person.email == self.email)).one()
            url = self.runtime.signer.signin_url(person_id=pk(person), now=self.runtime.clock.now())
        self.page.goto(url.replace(self.runtime.settings.public_base_url, self.site))
        self.page.get_by_role("button", name="Me connecter").click()
        self.page.wait_for_load_state()


@dataclass
class BrowserWorld(SimulatedWorld):
    """The demo's people at the demo's moments; the team acts in ``team``'s browser, and whoever
    receives a link opens it in ``guest``'s (no team session there). One drawn citizen declines,
    and the team approves the replacement the engine proposes."""

    team: Ui | None = None
    guest: Ui | None = None
    decliner: int | None = None  # the person id of the citizen who declines

    def _ui(self) -> tuple[Ui, Ui]:
        if self.team is None or self.guest is None:
            raise RuntimeError("BrowserWorld without its browsers")
        return self.team, self.guest

    # --- the team ------------------------------------------------------------------------

    def _team_intents(self, session: Session, atelier_id: int) -> list[Intent]:
        atelier = get_atelier(session=session, slug=self.slug)
        lottery = find_lottery(session=session, atelier=atelier)
        drawn = lottery is not None and lottery.drawn_at is not None
        # The recruitment is recorded as done once the panel is drawn, not before.
        intents = [
            i for i in super()._team_intents(session, atelier_id) if drawn or i.label != "team:recrutement"
        ]
        copil_1 = session.exec(select(Gate).where(Gate.atelier_id == atelier_id, Gate.key == "copil_1")).one()
        if not drawn and copil_1.status is GateStatus.APPROVED and copil_1.closed_at is not None:
            intents.append(Intent(copil_1.closed_at + timedelta(hours=2), self._draw, "team:draw"))
        for proposal in replacements_of(session=session, atelier=atelier):
            if proposal.status is ReplacementStatus.PROPOSED and proposal.replacement_id is not None:
                day = (proposal.proposed_at.astimezone(PARIS) + timedelta(days=1)).date()
                when = datetime.combine(day, time(9, 30), tzinfo=PARIS)
                intents.append(Intent(when, self._approve(pk(proposal)), f"team:replace:{proposal.id}"))
        return intents

    def _draw(self) -> bool:
        team, _ = self._ui()
        team.go(f"/espace/{self.slug}/recrutement")
        team.page.fill("#taille", "15")
        text = team.submit("Sceller le tirage")
        assert "Scellement demandé" in text, text
        SealWatcher(self.runtime, SealInCaller(self.runtime)).check()  # the engine, at its next look
        # The page follows the seal by itself (htmx), and reloads once it has ended.
        expect(team.page.get_by_role("button", name="Tirer le panel")).to_be_visible(timeout=20_000)
        team.page.fill("#graine", SEED)
        text = team.submit("Tirer le panel")
        assert "Panel tiré" in text, text
        with transaction(self.runtime.engine) as session:
            atelier = get_atelier(session=session, slug=self.slug)
            drawn = volunteers_of(session=session, atelier=atelier, status=VolunteerStatus.SELECTED)
            self.decliner = min(v.person_id for v in drawn if v.person_id is not None)
        return True

    def _approve(self, proposal_id: int) -> Callable[[], bool]:
        def action() -> bool:
            team, _ = self._ui()
            team.go(f"/espace/{self.slug}/recrutement")
            team.page.locator(f"form[action$='/remplacements/{proposal_id}'] button").click()
            team.page.wait_for_load_state()
            team.look()
            return True

        return action

    def _mark_done(self, key: str, when: datetime) -> Callable[[], bool]:
        def action() -> bool:
            team, _ = self._ui()
            self._follow_up_in_browser(key, when)
            team.go(f"/espace/{self.slug}/etapes/{key}")
            day, hour = paris_day_and_hour(when)
            team.page.fill("#date", day)
            team.page.fill("#heure", hour)
            if team.page.locator("#lien").count():
                team.page.fill("#lien", f"{PUBLICATION_SITE}/{self.slug}/{key}")
            button = team.page.get_by_role("button", name=re.compile(r"^Enregistrer « .* » comme faite$"))
            button.click()
            team.page.wait_for_load_state()
            notice = team.page.inner_text("main")
            assert "enregistrée comme faite" in notice, (key, notice)
            return True

        return action

    def _follow_up_in_browser(self, key: str, when: datetime) -> None:
        """Before the avis is published, the team records it; at the restitution, a follow-up step."""
        if key == "publication_avis":
            self._record_avis()
        if key in UPDATES and key != "reponse_commanditaire":
            self._update(*UPDATES[key])

    def _record_avis(self) -> None:
        team, _ = self._ui()
        team.go(f"/espace/{self.slug}/avis")
        if "Aucune version de l'avis n'est encore publiée" not in team.page.inner_text("main"):
            return
        with transaction(self.runtime.engine) as session:
            atelier = get_atelier(session=session, slug=self.slug)
            handover = next(s for s in steps_of(session=session, atelier=atelier) if s.key == "remise_avis")
            validated = (handover.actual_end or self.clock.now()).astimezone(PARIS).date()
        team.page.fill("#texte", AVIS_TEXT)
        team.page.set_input_files("#propositions", files=proposals_file())
        team.page.fill("#valide_le", validated.isoformat())
        text = team.submit("Enregistrer l'avis")
        assert "relisez son aperçu" in text, text
        team.submit("Publier la version 1 de l'avis")
        text = team.submit("Publier la version 1")
        assert "Avis publié (version 1)" in text, text

    def _update(self, number: int, state: Any, text: str, link: str | None) -> None:
        team, _ = self._ui()
        team.go(f"/espace/{self.slug}/avis")
        self._open_proposal(number)
        team.page.select_option(f"#etat-{number}", state.value)
        team.page.fill(f"#texte-{number}", text)
        if link:
            team.page.fill(f"#lien-{number}", link)
        shown = team.submit(f"Ajouter le point d'étape n°{number}")
        assert "Point d'étape enregistré" in shown, shown

    def _open_proposal(self, number: int) -> None:
        """Each proposal's forms are folded under its title: unfold it, as a person clicks it."""
        team, _ = self._ui()
        details = team.page.locator("details", has=team.page.locator(f"#statut-{number}"))
        if details.get_attribute("open") is None:
            details.locator("summary").click()

    def _answer_avis(self) -> Callable[[], bool]:
        def action() -> bool:
            team, _ = self._ui()
            self._record_avis()
            for answer in ANSWERS:
                team.go(f"/espace/{self.slug}/avis")
                n = answer.number
                self._open_proposal(n)
                team.page.select_option(f"#statut-{n}", answer.status.value)
                for field_id, value in (("motif", answer.reason), ("porteur", answer.carrier),
                                        ("instrument", answer.instrument)):  # fmt: skip
                    if value:
                        team.page.fill(f"#{field_id}-{n}", value)
                if answer.due_on:
                    team.page.fill(f"#echeance-{n}", answer.due_on.isoformat())
                shown = team.submit(f"Enregistrer la réponse n°{n}")
                assert "réponse enregistrée" in shown, shown
            self._update(*UPDATES["reponse_commanditaire"])
            return True

        return action

    def _revise(self, gate_key: str) -> Callable[[], bool]:
        def action() -> bool:
            team, _ = self._ui()
            team.go(f"/espace/{self.slug}/decisions")
            team.page.fill(f"#note-{gate_key}", REVISION_NOTE)
            team.submit("Enregistrer la version révisée et solliciter les membres")
            return True

        return action

    # --- whoever receives a link ---------------------------------------------------------

    def _decide(
        self, gate_key: str, round: int, person_id: int, outcome: DecisionOutcome, comment: str | None
    ) -> Callable[[], bool]:
        def action() -> bool:
            _, guest = self._ui()
            token = self._latest_link(person_id, DECISION_LINK, gate_key=gate_key, round=round)
            if token is None:
                return False
            guest.go(f"/decision/{token}")
            if outcome is DecisionOutcome.SEND_BACK:
                guest.page.fill("#comment-send-back", comment or "")
                guest.submit("Renvoyer pour reprise")
            else:
                if comment:
                    guest.page.fill("#comment-approve", comment)
                guest.submit("Approuver")
            return True

        return action

    def _answer(self, person_id: int) -> Callable[[], bool]:
        def action() -> bool:
            _, guest = self._ui()
            tokens = self._links_sent(person_id)
            if not tokens:
                return False
            # The invitation carries two links: « je confirme », then « je ne participerai pas ».
            token = tokens[1] if person_id == self.decliner else tokens[0]
            guest.go(f"/reponse/{token}")
            guest.page.locator("main form button").click()
            guest.page.wait_for_load_state()
            guest.look()
            return True

        return action

    def _links_sent(self, person_id: int) -> list[str]:
        """The answer links of the last invitation or reminder this citizen was sent."""
        sent = self._sent(person_id, ("confirmation_reminder", "citizen_invitation"))
        return ANSWER_LINK.findall(sent[0].body_text) if sent else []


def proposals_file() -> FilePayload:
    """The avis's proposals as the team's spreadsheet (Excel's CSV, Windows-1252)."""
    lines = ["Numéro;Titre;Texte;Thème;Position;Soutien"] + [
        f"{p.number};{p.title};{p.text};{p.theme or ''};{p.position.value};"
        + (f"{round(p.support * 100)} %" if p.support is not None else "")
        for p in PROPOSALS
    ]
    return FilePayload(
        name="propositions.csv", mimeType="text/csv", buffer="\r\n".join(lines).encode("cp1252")
    )
