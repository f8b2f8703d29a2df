"""Accounts, for administrators: who may sign in, adding an account, disabling one (its open
sessions end at once). ``atelier compte ajouter`` does the same from a terminal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from atelier.bootstrap import Runtime
from atelier.db import transaction
from atelier.errors import Refused
from atelier.services.accounts import (
    SignedIn,
    add_account,
    invite_account,
    list_accounts,
    set_account_disabled,
)
from atelier.services.events import person_actor
from atelier.web.deps import Forbidden, FormDep, Render, RenderDep, RuntimeDep, UserDep
from atelier.web.workspace.notices import notice_of, redirect_with_notice

PATH = "/espace/comptes"


def _admin(user: UserDep) -> SignedIn:
    if not user.is_admin:
        raise Forbidden("seul un administrateur gère les comptes", "accounts page without admin")
    return user


# Declared before the form, so that a non-administrator is refused before the body is read.
AdminDep = Annotated[SignedIn, Depends(_admin)]
router = APIRouter(prefix=PATH)


def _page(
    runtime: Runtime, render: Render, request: Request, user: SignedIn, *,
    values: dict[str, str] | None = None, error: str | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    with transaction(runtime.engine) as session:
        accounts = list_accounts(session=session, now=runtime.clock.now())
    return render(
        "workspace/accounts.html", status, title="Comptes", user=user, accounts=accounts,
        values=values or {"nom": "", "email": ""}, error=error or notice_of(request, user, error=True),
        message=notice_of(request, user),
    )  # fmt: skip


@router.get("", response_class=HTMLResponse)
def accounts_page(request: Request, user: AdminDep, runtime: RuntimeDep, render: RenderDep) -> HTMLResponse:
    return _page(runtime, render, request, user)


@router.post("")
def add(request: Request, user: AdminDep, form: FormDep, runtime: RuntimeDep, render: RenderDep) -> Response:
    values = {name: form.get(name, "") for name in ("nom", "email")}
    is_admin = form.get("admin") == "oui"
    try:
        with transaction(runtime.engine) as session:
            account = add_account(
                session=session, email=values["email"], full_name=values["nom"], is_admin=is_admin,
                now=runtime.clock.now(), actor=person_actor(user.person_id),
            )  # fmt: skip
            invite_account(
                session=session, account=account, settings=runtime.settings, now=runtime.clock.now()
            )
    except Refused as error:
        return _page(runtime, render, request, user, values=values, error=error.message_fr, status=400)
    kind = "Compte administrateur" if is_admin else "Compte"
    # No address in the notice: it travels in the URL, which proxies log and browsers keep.
    text = f"{kind} créé : un message indique à la personne comment se connecter."
    return redirect_with_notice(PATH, user, text)


@router.post("/{account_id}/{action}")
def disable_or_enable(
    account_id: int, action: str, user: AdminDep, _form: FormDep, runtime: RuntimeDep
) -> Response:
    if action not in ("desactiver", "reactiver"):
        raise Forbidden("action inconnue", f"unknown account action {action!r}")
    disabled = action == "desactiver"
    try:
        with transaction(runtime.engine) as session:
            set_account_disabled(
                session=session, account_id=account_id, disabled=disabled, by=user, now=runtime.clock.now()
            )
    except Refused as error:
        return redirect_with_notice(PATH, user, error.message_fr, error=True)
    done = "désactivé : ses sessions sont fermées" if disabled else "réactivé"
    return redirect_with_notice(PATH, user, f"Compte {done}.")
