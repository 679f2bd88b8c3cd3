"""Add evidence later: from a request's tracking page (a tracking code's token, or the
account's when followed from "my requests"), while the request is open and its type
asks for evidence. The same upload as straight after reporting (:mod:`.evidence`);
once cases has kept the files, back to the tracking page, which lists them.

Cases decides whether the token may add to this request (its own resident, the request
the token names, while it is open); the page offers the upload only when cases' listing
says the type asks for evidence and the request is open, and words cases' refusals.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.runtime.hardening import LargerBody
from townhall.web.evidence import Evidence
from townhall.web.forms import REFERENCE
from townhall.web.officer.dependencies import AnySession, WorkspaceDep
from townhall.web.officer.workspace import Workspace
from townhall.web.resident import evidence
from townhall.web.resident.evidence_listing import offered
from townhall.web.resident.track import ask_again, token_for
from townhall.web.sessions import Session
from townhall.web.upstream import NotFoundError, NotSignedInError

router = APIRouter(prefix="/track", include_in_schema=False)


def upload_allowance(max_body_bytes: int) -> LargerBody:
    """The upload's own body limit, as straight after reporting."""
    return LargerBody("POST", r"/track/[A-Za-z0-9-]+/evidence", max_body_bytes)


async def _listing(
    workspace: Workspace, session: Session, reference: str
) -> tuple[str, dict[str, Any]] | RedirectResponse:
    """The token following ``reference`` and cases' listing of its files, or where to
    go instead (a new code when the token has expired)."""
    token = token_for(workspace, session, reference)
    if token is None or not REFERENCE.match(reference):
        return ask_again(session, reference)
    try:
        return token, await Evidence(workspace.cases.client).files(token, reference)
    except NotSignedInError:
        return ask_again(session, reference)


@router.get("/{reference}/evidence")
async def evidence_page(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    found = await _listing(workspace, session, reference)
    if isinstance(found, RedirectResponse):
        return found
    _token, listing = found
    if not offered(listing):
        return RedirectResponse(f"/track/{reference}", status_code=303)
    return evidence.page(request, workspace, session, listing, later=reference)


@router.post("/{reference}/evidence")
async def upload(
    request: Request, reference: str, workspace: WorkspaceDep, session: AnySession
) -> Response:
    """Each file chosen goes on to cases; all kept, back to the tracking page, else the
    error summary names what it refused (a request finished meanwhile among them)."""
    found = await _listing(workspace, session, reference)
    if isinstance(found, RedirectResponse):
        return found
    token, listing = found
    if not listing.get("evidence_required"):
        raise NotFoundError(404, "this request takes no evidence online")
    files = Evidence(workspace.cases.client)
    problems = await evidence.receive(request, session, files, token, reference, listing)
    if not problems:
        session.flash = evidence.UPLOADED
        return RedirectResponse(f"/track/{reference}", status_code=303)
    listing = await files.files(token, reference)
    return evidence.page(request, workspace, session, listing, later=reference, problems=problems)
