"""The workspace's dependencies as Annotated aliases (the only place Depends appears)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.runtime.web import Composition, client_address
from townhall.web.officer.workspace import FormExpired, SignInRequired, Workspace
from townhall.web.sessions import COOKIE, CSRF_FIELD, SECURE_COOKIE, Session, SessionStore

composition = Composition(Workspace)
WorkspaceDep = Annotated[Workspace, Depends(composition.dependency)]


def cookie_name(workspace: Workspace) -> str:
    return COOKIE if workspace.settings.development else SECURE_COOKIE


async def _session(request: Request, workspace: WorkspaceDep) -> Session:
    """This browser's session; a new anonymous one when it has none (or it ended)."""
    presented = request.cookies.get(cookie_name(workspace))
    session = await workspace.sessions.load(presented)
    if session is None:
        session = workspace.sessions.new()
    request.state.session = session
    request.state.presented_session = presented
    return session


async def _officer(session: Annotated[Session, Depends(_session)]) -> Session:
    if not session.signed_in:
        raise SignInRequired()
    return session


async def _client(request: Request) -> str:
    return client_address(request)


async def _form(request: Request, session: Annotated[Session, Depends(_session)]) -> dict[str, str]:
    """The posted form, once its CSRF token has been checked against the session's."""
    form = await request.form()
    fields = {name: value for name, value in form.items() if isinstance(value, str)}
    if not session.csrf_matches(fields.pop(CSRF_FIELD, None)):
        raise FormExpired()
    return fields


async def _lists(
    request: Request, _checked: Annotated[dict[str, str], Depends(_form)]
) -> dict[str, list[str]]:
    """Every value of each posted field (checkboxes send several), CSRF checked."""
    form = await request.form()
    return {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in form}


AnySession = Annotated[Session, Depends(_session)]
OfficerSession = Annotated[Session, Depends(_officer)]
ClientAddress = Annotated[str, Depends(_client)]
Form = Annotated[dict[str, str], Depends(_form)]
FormLists = Annotated[dict[str, list[str]], Depends(_lists)]


class SessionCookie:
    """Sends the session cookie when the session a request ended with is not the one
    its browser presented (a new visitor, a sign-in, a sign-out, an ended session).

    HttpOnly and SameSite=Lax always; outside development also Secure, under the
    ``__Host-`` prefix (no Domain, Path=/). No Max-Age: it lasts the browser session,
    and the server forgets it after ``WEB_SESSION_IDLE_S`` anyway. The store keeps what
    the request changed in the session before the response starts.
    """

    def __init__(self, app: ASGIApp, *, name: str, secure: bool, store: SessionStore) -> None:
        self.app, self.name, self.secure, self.store = app, name, secure, store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state", {})
                session: Session | None = state.get("session")
                if session is not None:
                    await self.store.save(session)
                if session is not None and session.id != state.get("presented_session"):
                    headers = MutableHeaders(scope=message)
                    headers.append("set-cookie", self._cookie(session.id))
            await send(message)

        await self.app(scope, receive, with_cookie)

    def _cookie(self, value: str) -> str:
        secure = "; Secure" if self.secure else ""
        return f"{self.name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"
