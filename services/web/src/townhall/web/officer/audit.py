"""For administrators: who read which resident's history and why, and every search."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from townhall.web.officer.dependencies import ClientAddress, OfficerSession, WorkspaceDep

router = APIRouter(prefix="/officer", include_in_schema=False)


@router.get("/audit")
async def audit(
    request: Request, workspace: WorkspaceDep, session: OfficerSession, client: ClientAddress
) -> Response:
    """resident-view's access and look-up audits, newest first (it refuses non-administrators)."""
    views = workspace.resident_view
    reads = await workspace.call(session, client, lambda token: views.audit(token, ""))
    lookups = await workspace.call(session, client, lambda token: views.audit(token, "lookups"))
    context = {"reads": reads, "lookups": lookups}
    return workspace.pages.render(request, session, "officer/audit.html", context)
