"""The officer's work queue, as cases serves it for their roles."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from townhall.web.officer.dependencies import ClientAddress, OfficerSession, WorkspaceDep
from townhall.web.officer.labels import STATUSES

router = APIRouter(prefix="/officer", include_in_schema=False)


@router.get("/queue")
async def queue(
    request: Request,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    cursor: str | None = None,
) -> Response:
    params = [("cursor", cursor)] if cursor else []
    page = await workspace.call(session, client, lambda token: workspace.cases.queue(token, params))
    following = page.get("next_cursor")
    context = {
        "items": page.get("items", []),
        "status_names": STATUSES,
        "next_page": f"/officer/queue?{urlencode({'cursor': following})}" if following else None,
    }
    return workspace.pages.render(request, session, "officer/queue.html", context)
