"""What an officer or a resident sees when a page cannot be shown: one mapping, here."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.i18n import N_
from townhall.web.officer.dependencies import composition
from townhall.web.officer.workspace import SESSION_ENDED, FormExpired, SessionEnded, SignInRequired
from townhall.web.sessions import Session
from townhall.web.upstream import NotFoundError, RefusedError, ThrottledError, UpstreamError

PAGES: dict[type[UpstreamError], tuple[int, str, str]] = {
    RefusedError: (403, N_("You cannot see this"), N_("Your role does not allow you to see this.")),
    NotFoundError: (404, N_("Page not found"), N_("There is nothing here. Check the address.")),
    ThrottledError: (
        429,
        N_("Too many look-ups"),
        N_("You have looked up a lot in a short time. Wait a minute, then try again."),
    ),
}
#: The same refusal as a resident reads it (a resident has no role).
RESIDENT_REFUSED = (
    403,
    N_("You cannot see this"),
    N_("Contact the council if you think you should be able to."),
)
UNAVAILABLE = (
    503,
    N_("Sorry, there is a problem with the service"),
    N_("A council system did not answer. Try again later."),
)
EXPIRED = (
    403,
    N_("This form has expired"),
    N_(
        "For your security, forms stop working after a while. "
        "Go back, reload the page and try again."
    ),
)


def _session(request: Request) -> Session | None:
    session: Session | None = getattr(request.state, "session", None)
    return session


def install(app: FastAPI) -> None:
    async def sign_in_first(request: Request, exc: Exception) -> Response:
        if isinstance(exc, SessionEnded):
            workspace = composition.of(request.app)
            old = _session(request)
            fresh = workspace.sessions.new(old.language if old else "en")
            fresh.flash = SESSION_ENDED
            request.state.session = fresh
        return RedirectResponse("/officer/sign-in", status_code=303)

    async def expired(request: Request, exc: Exception) -> Response:
        status, heading, message = EXPIRED
        return _page(request, status, heading, message)

    async def upstream(request: Request, exc: Exception) -> Response:
        status, heading, message = (
            PAGES.get(type(exc), UNAVAILABLE) if isinstance(exc, UpstreamError) else UNAVAILABLE
        )
        if isinstance(exc, RefusedError) and not request.url.path.startswith("/officer"):
            status, heading, message = RESIDENT_REFUSED
        return _page(request, status, heading, message)

    app.add_exception_handler(SignInRequired, sign_in_first)
    app.add_exception_handler(FormExpired, expired)
    app.add_exception_handler(UpstreamError, upstream)


def _page(request: Request, status: int, heading: str, message: str) -> Response:
    workspace = composition.of(request.app)
    context = {"heading": heading, "message": message}
    return workspace.pages.render(
        request, _session(request), "problem.html", context, status_code=status
    )
