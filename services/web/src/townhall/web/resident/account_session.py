"""A resident signed in to their account: the session holding their tokens, and calling
services with them (refreshed as an officer's are; identity refusing a refresh ends
the session and asks the resident to sign in again).

The tokens are identity's for an account holder (level ``ACCOUNT`` or above); every
service checks them and what they allow itself. The session keeps only who signed in
and the tokens, never their record.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.i18n import choose
from townhall.web.officer.auth import _claims
from townhall.web.officer.dependencies import AnySession, composition
from townhall.web.officer.workspace import SESSION_ENDED, SessionEnded, SignInRequired, Workspace
from townhall.web.resident.account_api import AccountApi
from townhall.web.sessions import Session
from townhall.web.upstream import Issued, UpstreamError

T = TypeVar("T")
SIGN_IN = "/account/sign-in"


class AccountSignInRequired(Exception):  # noqa: N818 (a flow signal, not an error)
    """The page needs a resident signed in to their account: to the sign-in page
    (``ended``: identity ended the session, so say so there)."""

    def __init__(self, *, ended: bool = False) -> None:
        super().__init__("sign in to your account")
        self.ended = ended


async def _account(session: AnySession) -> Session:
    if session.resident is None or session.tokens is None or session.officer is not None:
        raise AccountSignInRequired()
    return session


AccountSession = Annotated[Session, Depends(_account)]


async def as_resident(
    workspace: Workspace, session: Session, client: str, action: Callable[[str], Awaitable[T]]
) -> T:
    """Run ``action`` with the resident's access token (refreshed when near its expiry
    or refused once); their session ending upstream ends it here."""
    try:
        return await workspace.call(session, client, action)
    except SessionEnded:
        raise AccountSignInRequired(ended=True) from None
    except SignInRequired:
        raise AccountSignInRequired() from None


async def open_account(workspace: Workspace, session: Session, issued: Issued) -> None:
    """The resident is signed in: a new session id (one planted in the browser before is
    worth nothing after), their tokens, and the pages in their language from now on."""
    workspace.sessions.renew(session)
    session.officer, session.signing_up = None, None
    session.resident = str(_claims(issued.access_token).get("sub", ""))
    workspace.start(session, issued.access_token, issued.refresh_token, issued.expires_in)
    with contextlib.suppress(UpstreamError):  # the pages' language stays as it is
        record = await AccountApi.of(workspace).record(issued.access_token, session.resident)
        session.language = choose(record.get("preferred_language"))


def install(app: FastAPI) -> None:
    """Pages needing an account send a resident without one to the sign-in page."""

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        if isinstance(exc, AccountSignInRequired) and exc.ended:
            workspace = composition.of(request.app)
            old: Session | None = getattr(request.state, "session", None)
            fresh = workspace.sessions.new(old.language if old else "en")
            fresh.flash = SESSION_ENDED
            request.state.session = fresh
        return RedirectResponse(SIGN_IN, status_code=303)

    app.add_exception_handler(AccountSignInRequired, sign_in_first)
