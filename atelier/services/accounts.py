"""Workspace accounts: created from the command line, signed in by a link sent by e-mail,
kept signed in by a server-side session; what an account may see follows its roles."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from atelier.config import Settings
from atelier.errors import InvalidValue, Refused
from atelier.i18n import long_datetime
from atelier.links import LinkClaims, LinkSigner, use_link_once
from atelier.services.events import person_actor, record_event
from models import Account, Atelier, CalendarFeed, Membership, OutboxMessage, Person, WebSession
from models.enums import Role
from models.person_in import clean_text, deliverable_address
from models.types import pk
from notifications.compose import address_line, message_id_for, workspace_context
from notifications.rendering import render_message

# A sign-in link is short-lived: it only opens a session.
SIGNIN_LINK_MAX_AGE = timedelta(minutes=15)
# At most this many links per account in that time; more requests are answered alike, unsent.
SIGNIN_LINKS_PER_WINDOW = 3
SESSION_IDLE = timedelta(hours=2)
SESSION_MAX = timedelta(hours=12)
# last_seen_at is written at most this often (each page read would otherwise be a write).
SESSION_TOUCH = timedelta(minutes=1)

# Roles that open an atelier in the workspace: the team edits it, the others read it.
EDITORS = frozenset({Role.PROJECT_TEAM})
READERS = frozenset({Role.COPIL_MEMBER, Role.COMMANDITAIRE, Role.GARANT})


@dataclass(frozen=True)
class SignedIn:
    account_id: int
    person_id: int
    full_name: str
    is_admin: bool
    session_id: int
    csrf_token: str


def add_account(
    *, session: Session, email: str, full_name: str, is_admin: bool, now: datetime, actor: str = "cli"
) -> Account:
    """An account for this address (the person is created if unknown); one per address."""
    address = email.strip().lower()
    if "@" not in address or any(c.isspace() for c in address):
        raise Refused(f"adresse e-mail invalide : « {email} »", "invalid account email")
    try:
        deliverable_address(address)
    except InvalidValue as error:
        raise Refused(f"« {email} » {error}", "account email with a non-ASCII local part") from None
    name = clean_text(full_name)
    if not name:
        raise Refused("indiquez le nom de la personne (option --nom)", "account without name")
    person = session.exec(select(Person).where(Person.email == address)).first()
    if person is None:
        person = Person(full_name=name, email=address)
        session.add(person)
        session.flush()
    elif session.exec(select(Account).where(Account.person_id == pk(person))).first() is not None:
        raise Refused(f"un compte existe déjà pour {address}", "duplicate account")
    account = Account(person_id=pk(person), is_admin=is_admin, created_at=now)
    session.add(account)
    session.flush()
    record_event(
        session=session,
        atelier_id=None,
        actor=actor,
        kind="account_added",
        at=now,
        account_id=pk(account),
        admin=is_admin,
    )
    return account


def invite_account(*, session: Session, account: Account, settings: Settings, now: datetime) -> None:
    """Tell the holder of a new account how to sign in (once: the key is the account's)."""
    person = session.get(Person, account.person_id)
    key = f"account:{pk(account)}|workspace_invitation"
    if person is None or session.exec(select(OutboxMessage.id).where(OutboxMessage.key == key)).first():
        return
    _queue_to_account(
        session=session, kind="workspace_invitation", key=key, account=account, person=person,
        recipient=address_line(person.full_name, person.email), settings=settings, now=now,
        context={"workspace": workspace_context(settings, person.email, None)},
    )  # fmt: skip


def _queue_to_account(
    *, session: Session, kind: str, key: str, account: Account, person: Person, recipient: str,
    settings: Settings, now: datetime, context: dict[str, Any],
) -> None:  # fmt: skip
    """A message about the workspace (no atelier's), written now and due now."""
    rendered = render_message(
        kind,
        {
            "person": {"full_name": person.full_name},
            "team": {"name": settings.mail_from_name, "email": settings.team_email},
            **context,
        },
    )
    session.add(
        OutboxMessage(
            atelier_id=None, key=key, kind=kind, person_id=pk(person), recipient=recipient,
            subject=rendered.subject, body_text=rendered.text, body_html=rendered.html,
            context={"account": pk(account)}, message_id=message_id_for(key, settings), due_at=now,
            created_at=now,
        )
    )  # fmt: skip


@dataclass(frozen=True)
class AccountLine:
    id: int
    full_name: str
    email: str
    is_admin: bool
    disabled: bool
    open_sessions: int


def list_accounts(*, session: Session, now: datetime) -> list[AccountLine]:
    """Every account, by name, with how many browsers are signed in to it now."""
    rows = session.exec(
        select(Account, Person)
        .join(Person, col(Person.id) == col(Account.person_id))
        .order_by(col(Person.full_name))
    ).all()
    sessions = session.exec(select(WebSession).where(col(WebSession.revoked_at).is_(None))).all()
    open_by_account: dict[int, int] = {}
    for web_session in sessions:
        if now - web_session.last_seen_at <= SESSION_IDLE and now - web_session.created_at <= SESSION_MAX:
            open_by_account[web_session.account_id] = open_by_account.get(web_session.account_id, 0) + 1
    return [
        AccountLine(
            id=pk(account),
            full_name=person.full_name,
            email=person.email,
            is_admin=account.is_admin,
            disabled=account.disabled_at is not None,
            open_sessions=open_by_account.get(pk(account), 0),
        )
        for account, person in rows
    ]


def revoke_feeds(*, session: Session, account_id: int, now: datetime) -> int:
    feeds = session.exec(
        select(CalendarFeed).where(
            CalendarFeed.account_id == account_id, col(CalendarFeed.revoked_at).is_(None)
        )
    ).all()
    for feed in feeds:
        feed.revoked_at = now
        session.add(feed)
    return len(feeds)


def set_account_disabled(
    *, session: Session, account_id: int, disabled: bool, by: SignedIn, now: datetime
) -> str:
    """Disable an account (its open sessions end at once) or enable it again; returns the name."""
    account = session.get(Account, account_id)
    if account is None:
        raise Refused("ce compte n'existe pas", "unknown account")
    if disabled and account_id == by.account_id:
        raise Refused("vous ne pouvez pas désactiver votre propre compte", "disable own account")
    account.disabled_at = now if disabled else None
    session.add(account)
    if disabled:
        # Its calendar address too, for good: re-enabling the account does not bring it back.
        revoke_feeds(session=session, account_id=account_id, now=now)
        for web_session in session.exec(
            select(WebSession).where(
                WebSession.account_id == account_id, col(WebSession.revoked_at).is_(None)
            )
        ).all():
            web_session.revoked_at = now
            session.add(web_session)
    record_event(
        session=session, atelier_id=None, actor=person_actor(by.person_id),
        kind="account_disabled" if disabled else "account_enabled", at=now, account_id=account_id,
    )  # fmt: skip
    person = session.get(Person, account.person_id)
    return person.full_name if person is not None else ""


def request_signin_link(
    *, session: Session, email: str, signer: LinkSigner, settings: Settings, now: datetime
) -> bool:
    """Queue a sign-in link to an active account's address. The caller answers the same
    whatever this returns: nobody learns from the page whether an address has an account."""
    row = session.exec(
        select(Account, Person)
        .join(Person, col(Person.id) == col(Account.person_id))
        .where(Person.email == email.strip().lower())
    ).first()
    if row is None:
        row = _member_account(session=session, email=email.strip().lower(), now=now)
    if row is None or row[0].disabled_at is not None:
        return False
    account, person = row
    # Requests are queued in worker threads, side by side: the account's row is locked (PostgreSQL;
    # SQLite's transactions already take turns) so that two cannot both count two links and add a
    # third each.
    session.exec(select(Account.id).where(Account.id == pk(account)).with_for_update()).one()
    key_prefix = f"account:{pk(account)}|signin_link|"
    recent = session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            col(OutboxMessage.key).startswith(key_prefix),
            OutboxMessage.created_at > now - SIGNIN_LINK_MAX_AGE,
        )
    ).one()
    if recent >= SIGNIN_LINKS_PER_WINDOW:
        return False
    url = signer.signin_url(person_id=pk(person), now=now)
    links = {"signin": url, "expires_long": long_datetime(now + SIGNIN_LINK_MAX_AGE)}
    _queue_to_account(
        session=session, kind="signin_link", key=key_prefix + secrets.token_hex(8), account=account,
        person=person, recipient=person.email, settings=settings, now=now, context={"links": links},
    )  # fmt: skip
    return True


def _member_account(*, session: Session, email: str, now: datetime) -> tuple[Account, Person] | None:
    """The account of a team or COPIL member who signs in for the first time, opened then: being
    given such a role in an atelier is what opens the workspace to them (their invitation says so)."""
    person = session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Person.email == email, col(Membership.role).in_([r.value for r in EDITORS | READERS]))
    ).first()
    if person is None:
        return None
    account = Account(person_id=pk(person), is_admin=False, created_at=now)
    session.add(account)
    session.flush()
    record_event(
        session=session, atelier_id=None, actor=person_actor(pk(person)), kind="account_added", at=now,
        account_id=pk(account), admin=False,
    )  # fmt: skip
    return account, person


def token_hash(token: str) -> str:
    """What is kept of a secret token (session cookie, calendar address): never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(*, session: Session, claims: LinkClaims, now: datetime) -> tuple[str, SignedIn]:
    """Use the sign-in link once and open a session; returns the cookie's token."""
    account = session.exec(
        select(Account).where(Account.person_id == claims.person_id, col(Account.disabled_at).is_(None))
    ).first()
    if account is None:
        raise Refused("ce lien n'est pas valide", "sign-in link for no active account")
    use_link_once(session=session, claims=claims, now=now)
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_hash=token_hash(token),
        account_id=pk(account),
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        last_seen_at=now,
    )
    session.add(web_session)
    session.flush()
    record_event(
        session=session,
        atelier_id=None,
        actor=person_actor(claims.person_id),
        kind="signed_in",
        at=now,
        account_id=pk(account),
    )
    signed_in = _signed_in(session, account, web_session)
    return token, signed_in


def _signed_in(session: Session, account: Account, web_session: WebSession) -> SignedIn:
    person = session.get(Person, account.person_id)
    if person is None:
        raise RuntimeError(f"account {account.id} without its person")
    return SignedIn(
        pk(account), pk(person), person.full_name, account.is_admin, pk(web_session), web_session.csrf_token
    )


def session_of(*, session: Session, token: str | None, now: datetime) -> SignedIn | None:
    """The signed-in account behind a cookie, or None (unknown, revoked, idle or too old)."""
    if not token or len(token) > 200:
        return None
    web_session = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).first()
    if (
        web_session is None
        or web_session.revoked_at is not None
        or now - web_session.last_seen_at > SESSION_IDLE
        or now - web_session.created_at > SESSION_MAX
    ):
        return None
    account = session.get(Account, web_session.account_id)
    if account is None or account.disabled_at is not None:
        return None
    if now - web_session.last_seen_at > SESSION_TOUCH:
        web_session.last_seen_at = now
        session.add(web_session)
    return _signed_in(session, account, web_session)


def close_session(*, session: Session, session_id: int, now: datetime) -> None:
    web_session = session.get(WebSession, session_id)
    if web_session is not None and web_session.revoked_at is None:
        web_session.revoked_at = now
        session.add(web_session)


def roles_on(*, session: Session, user: SignedIn, atelier: Atelier) -> frozenset[Role]:
    """The user's roles on this atelier; an administrator edits every atelier."""
    if user.is_admin:
        return EDITORS
    rows = session.exec(
        select(Membership.role).where(
            Membership.atelier_id == pk(atelier), Membership.person_id == user.person_id
        )
    ).all()
    return frozenset(Role(r) for r in rows)


def can_read(roles: frozenset[Role]) -> bool:
    return bool(roles & (EDITORS | READERS))


def can_edit(roles: frozenset[Role]) -> bool:
    return bool(roles & EDITORS)


def visible_ateliers(*, session: Session, user: SignedIn | Account) -> list[Atelier]:
    """The ateliers this account reads: all for an administrator, else those it has a role in."""
    query = select(Atelier).order_by(col(Atelier.decision_date))
    if not user.is_admin:
        allowed = [r.value for r in EDITORS | READERS]
        query = query.where(
            col(Atelier.id).in_(
                select(Membership.atelier_id).where(
                    Membership.person_id == user.person_id, col(Membership.role).in_(allowed)
                )
            )
        )
    return list(session.exec(query).all())
