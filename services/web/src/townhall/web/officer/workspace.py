"""What the workspace's routes share (built once in ``app.create``), and the one place
an officer's tokens are used and refreshed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from townhall.web.config import WebSettings
from townhall.web.i18n import N_
from townhall.web.resident.upstream import Booking, Payments, ResidentAccess
from townhall.web.sessions import Session, SessionStore, Tokens
from townhall.web.templating import Pages
from townhall.web.upstream import (
    Cases,
    Identity,
    InvalidError,
    Matches,
    NotSignedInError,
    ResidentView,
    ServiceClient,
)

T = TypeVar("T")
#: Refresh this long before the access token expires, so no call carries a stale one.
REFRESH_MARGIN_S = 30.0
SESSION_ENDED = N_("Your session has ended. Sign in again to carry on.")


class SignInRequired(Exception):  # noqa: N818 (a flow signal, not an error)
    """The page needs a signed-in officer: it redirects to the sign-in page."""


class SessionEnded(SignInRequired):
    """Identity refused to refresh the session's tokens: it is over."""


class FormExpired(Exception):  # noqa: N818 (a flow signal, not an error)
    """A form came back without the session's CSRF token."""


@dataclass
class Workspace:
    settings: WebSettings
    sessions: SessionStore
    pages: Pages
    identity: Identity
    resident_view: ResidentView
    cases: Cases
    matches: Matches
    #: Residents' one-time codes, fees and visits (the resident pages share the rest).
    access: ResidentAccess
    payments: Payments
    booking: Booking
    #: Residents' contact preferences (my account), when notifications is configured.
    notifications: ServiceClient | None = None

    def today(self) -> date:
        return datetime.now(UTC).date()

    def start(self, session: Session, issued_access: str, refresh: str, expires_in: int) -> None:
        session.tokens = Tokens(issued_access, refresh, self.sessions.clock() + expires_in)

    async def _token(self, session: Session, client: str, stale: str | None = None) -> str:
        """A current access token: refreshed near its expiry, or when ``stale`` (a token
        a service has just refused) is still the one held. One refresh at a time."""
        async with session.refreshing:
            tokens = session.tokens
            if tokens is None:
                raise SignInRequired()
            if self._fresh(tokens) and tokens.access != stale:
                return tokens.access
            saved = await self.sessions.tokens(session)  # another replica may have refreshed
            if saved is not None and saved.access != tokens.access and self._fresh(saved):
                session.tokens = saved
                return saved.access
            try:
                issued = await self.identity.refresh(tokens.refresh, client)
            except (NotSignedInError, InvalidError):
                await self.sessions.end(session)
                raise SessionEnded() from None
            self.start(session, issued.access_token, issued.refresh_token, issued.expires_in)
            await self.sessions.save(session)  # the old refresh token is spent: say so now
            return issued.access_token

    def _fresh(self, tokens: Tokens) -> bool:
        return tokens.expires_at - REFRESH_MARGIN_S > self.sessions.clock()

    async def call(self, session: Session, client: str, action: Callable[[str], Awaitable[T]]) -> T:
        """Run ``action`` with the officer's token; when a service refuses the token,
        refresh once and try again (identity ending the session ends it here too)."""
        token = await self._token(session, client)
        try:
            return await action(token)
        except NotSignedInError:
            return await action(await self._token(session, client, stale=token))
