"""A resident's access to one request they follow, for the pages that act on it (booking
a visit, changing it, paying): one dependency and one helper instead of the same lines
in every route.

* :data:`FollowedRequest`, the request a page names with the tracking token this
  session holds for it. Without a live token, and when a service refuses the token
  (:func:`token_checked` around the call), the resident is sent back to the start of
  tracking, the reference filled in, to ask for a code again (:class:`AskAgain`,
  answered once for the whole app by :func:`install`).
* :func:`back_with`: a service's refusal said as a flash on the page the resident is
  sent back to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.officer.dependencies import AnySession, WorkspaceDep, composition
from townhall.web.resident.track import ask_again, token_for
from townhall.web.sessions import Session
from townhall.web.upstream import NotSignedInError


class AskAgain(Exception):  # noqa: N818 (a flow signal, not an error)
    """This session has no live tracking token for ``reference`` (or it was refused)."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


@dataclass(frozen=True)
class Followed:
    """A request the resident follows, and the tracking token that proves it."""

    reference: str
    token: str


async def _followed(reference: str, workspace: WorkspaceDep, session: AnySession) -> Followed:
    token = token_for(workspace, session, reference)
    if token is None:
        raise AskAgain(reference)
    return Followed(reference, token)


#: The request named by the route's ``{reference}``, with this session's live token.
FollowedRequest = Annotated[Followed, Depends(_followed)]


@contextmanager
def token_checked(reference: str) -> Iterator[None]:
    """Around a call made with the token: a service refusing it (it ran out since) sends
    the resident to ask for a code again."""
    try:
        yield
    except NotSignedInError:
        raise AskAgain(reference) from None


def back_with(
    session: Session, path: str, message: str, args: Mapping[str, str] | None = None
) -> RedirectResponse:
    """Say ``message`` (marked with ``N_``; ``args``: its placeholders) on ``path``."""
    session.flash, session.flash_args = message, dict(args or {})
    return RedirectResponse(path, status_code=303)


def install(app: FastAPI) -> None:
    """Answer :class:`AskAgain` from any route: back to the start of tracking."""

    async def asked_again(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AskAgain)
        session: Session | None = getattr(request.state, "session", None)
        if session is None:  # the session dependency has not run: a fresh one
            session = composition.of(request.app).sessions.new()
            request.state.session = session
        return ask_again(session, exc.reference)

    app.add_exception_handler(AskAgain, asked_again)
