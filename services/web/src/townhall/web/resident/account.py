"""My account: a resident signs in with the email address and password of their account
(identity's ``ACCOUNT`` level, the email verified), then sees their requests, their
own history (the timeline), and who in the council looked at it and why.

Consents and preferences are in :mod:`.account_settings`, the export of everything
held about them in :mod:`.account_export`.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web import forms
from townhall.web.forms import REFERENCE
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import AnySession, ClientAddress, Form, WorkspaceDep
from townhall.web.officer.workspace import Workspace
from townhall.web.resident import progress, summaries
from townhall.web.resident.account_api import OWN_HISTORY, AccountApi
from townhall.web.resident.account_session import AccountSession, as_resident, open_account
from townhall.web.sessions import Session, Tokens
from townhall.web.upstream import (
    InvalidError,
    NotFoundError,
    NotSignedInError,
    RefusedError,
    ThrottledError,
    UpstreamError,
)

router = APIRouter(prefix="/account", include_in_schema=False)
WRONG = N_("Enter a correct email address and password")
UNVERIFIED = N_("Confirm your email address first: use the code we sent you when you signed up")
TOO_MANY = N_("Too many attempts to sign in. Wait a minute, then try again.")
SIGNED_OUT = N_("You have signed out.")
HISTORY_PAGE = 20
#: Statuses of a request that takes no more evidence from its resident (cases' rule).
FINISHED = frozenset({"resolved", "closed", "cancelled", "rejected"})
#: A page of the history, as resident-view's cursors are written.
CURSOR = re.compile(r"^[A-Za-z0-9_=.:-]{1,400}$")
#: Who looked, by the kind of caller resident-view recorded.
VIEWERS = {
    "resident": N_("You"),
    "officer": N_("A council officer"),
    "service": N_("A council system"),
}


def _redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request, workspace: WorkspaceDep, session: AnySession) -> Response:
    if session.resident is not None and session.officer is None:
        return _redirect("/account")
    return workspace.pages.render(request, session, "resident/account/sign_in.html")


@router.post("/sign-in")
async def sign_in(
    request: Request,
    workspace: WorkspaceDep,
    session: AnySession,
    form: Form,
    client: ClientAddress,
) -> Response:
    """Identity refuses an unknown email and a wrong password alike; a new session id
    on success, so one planted in the browser before is worth nothing after."""
    checked = forms.sign_in(form)
    api = AccountApi.of(workspace)
    if checked.ok:
        try:
            issued = await api.sign_in(checked.values["email"], form.get("password", ""), client)
        except NotSignedInError:
            checked.error("email", WRONG)
        except RefusedError:
            checked.error("email", UNVERIFIED)
        except ThrottledError:
            checked.error("email", TOO_MANY)
        else:
            await open_account(workspace, session, issued)
            return _redirect("/account")
    context = {"form": checked, "errors": checked.errors}
    return workspace.pages.render(
        request, session, "resident/account/sign_in.html", context, status_code=400
    )


@router.post("/sign-out")
async def sign_out(
    request: Request, workspace: WorkspaceDep, session: AnySession, form: Form
) -> Response:
    tokens, language = session.tokens, session.language
    await workspace.sessions.end(session)
    if tokens is not None:
        # signed out here whatever identity says; its session expires by itself
        with contextlib.suppress(UpstreamError):
            await workspace.identity.sign_out(tokens.refresh)
    fresh = workspace.sessions.new(language)
    fresh.flash = SIGNED_OUT
    request.state.session = fresh
    return _redirect("/account/sign-in")


def _name(record: dict[str, Any]) -> str:
    """The current name (identity's first), as identity's record writes names."""
    current = (record.get("names") or [{}])[0]
    return f"{current.get('given', '')} {current.get('family', '')}".strip()


@router.get("")
async def home(
    request: Request, workspace: WorkspaceDep, session: AccountSession, client: ClientAddress
) -> Response:
    api, resident = AccountApi.of(workspace), str(session.resident)
    record = await as_resident(workspace, session, client, lambda t: api.record(t, resident))
    context = {"name": _name(record), "loa": record.get("loa", 1)}
    return workspace.pages.render(request, session, "resident/account/home.html", context)


async def _asking_for_evidence(workspace: Workspace) -> set[str]:
    """The service types whose requests ask for evidence (none when cases is away: no
    request then offers an upload from here; its tracking page still may)."""
    try:
        catalogue = await workspace.cases.service_types(None)
    except UpstreamError:
        return set()
    return {str(kind["code"]) for kind in catalogue if kind.get("evidence_required")}


@router.get("/requests")
async def my_requests(
    request: Request, workspace: WorkspaceDep, session: AccountSession, client: ClientAddress
) -> Response:
    api = AccountApi.of(workspace)
    found = await as_resident(workspace, session, client, api.requests)
    asks = await _asking_for_evidence(workspace)
    shown = [
        {
            "reference": case["reference"],
            "service_name": case.get("service_name", ""),
            "status": progress.STATUS.get(str(case.get("status"))),
            "submitted_at": case.get("submitted_at"),
            "evidence": case.get("service_code") in asks and case.get("status") not in FINISHED,
        }
        for case in found
    ]
    context = {"requests": shown}
    return workspace.pages.render(request, session, "resident/account/requests.html", context)


@router.get("/history")
async def history(
    request: Request,
    workspace: WorkspaceDep,
    session: AccountSession,
    client: ClientAddress,
    cursor: str = "",
) -> Response:
    """The resident's own timeline, newest first, a page at a time (resident-view
    records each read, with the purpose "own history")."""
    api, resident = AccountApi.of(workspace), str(session.resident)
    if cursor and not CURSOR.match(cursor):
        raise NotFoundError(404, "no such page of the history")
    after = cursor or None

    async def page(token: str) -> dict[str, Any]:
        try:
            return await api.timeline(
                token, resident, cursor=after, limit=HISTORY_PAGE, purpose=OWN_HISTORY
            )
        except InvalidError:  # a cursor resident-view does not know
            raise NotFoundError(404, "no such page of the history") from None

    found = await as_resident(workspace, session, client, page)
    entries = [
        {**progress.step(entry, session.language), "reference": entry.get("case_reference")}
        for entry in found.get("entries", [])
    ]
    await summaries.word(workspace.cases, entries, session.language)
    context = {
        "entries": entries,
        "next_cursor": found.get("next_cursor"),
        "first_page": after is None,
        "withheld": bool(found.get("withheld_until_verified")),
    }
    return workspace.pages.render(request, session, "resident/account/history.html", context)


@router.get("/access-log")
async def access_log(
    request: Request, workspace: WorkspaceDep, session: AccountSession, client: ClientAddress
) -> Response:
    """Who looked at the resident's history, when and why they said (resident-view's
    audit trail of reads of it)."""
    api, resident = AccountApi.of(workspace), str(session.resident)
    found = await as_resident(workspace, session, client, lambda t: api.access_log(t, resident))
    looks = [
        {
            "at": look.get("at"),
            "who": VIEWERS.get(str(look.get("viewer_kind")), VIEWERS["service"]),
            "viewer": look.get("viewer") if look.get("viewer_kind") == "officer" else "",
            "purpose": look.get("purpose", ""),
            "refused": look.get("outcome") == "denied",
            "entries": len(look.get("entry_ids") or []),
        }
        for look in found
    ]
    context = {"looks": looks}
    return workspace.pages.render(request, session, "resident/account/access_log.html", context)


async def _follow(reference: str, workspace: Workspace, session: Session, client: str) -> None:
    """Keep the account's token as the one following ``reference`` (no code needed):
    the services let an account holder follow, pay, book and add evidence to their
    own requests."""
    if not REFERENCE.match(reference):
        raise NotFoundError(404, "no such request")

    async def current(token: str) -> str:
        return token

    token = await as_resident(workspace, session, client, current)
    expires_at = session.tokens.expires_at if session.tokens else workspace.sessions.clock()
    session.following[reference] = Tokens(token, "", expires_at)


@router.get("/requests/{reference}")
async def follow_request(
    reference: str, workspace: WorkspaceDep, session: AccountSession, client: ClientAddress
) -> Response:
    """A request's tracking page, followed with the account's token."""
    await _follow(reference, workspace, session, client)
    return _redirect(f"/track/{reference}")


@router.get("/requests/{reference}/evidence")
async def add_evidence(
    reference: str, workspace: WorkspaceDep, session: AccountSession, client: ClientAddress
) -> Response:
    """Add evidence to a request, followed with the account's token (the upload page
    then returns to its tracking page)."""
    await _follow(reference, workspace, session, client)
    return _redirect(f"/track/{reference}/evidence")
