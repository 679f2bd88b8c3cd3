"""The officer's work queue and a case's page, as cases serves them for their roles."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from townhall.web.officer.dependencies import ClientAddress, OfficerSession, WorkspaceDep
from townhall.web.officer.labels import CHANNELS, STATUSES
from townhall.web.upstream import NotFoundError

router = APIRouter(prefix="/officer", include_in_schema=False)
REFERENCE = re.compile(r"^[A-Za-z0-9-]{2,64}$")


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


@router.get("/cases/{reference}")
async def case_page(
    request: Request,
    reference: str,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
) -> Response:
    """A case as cases shows it to this officer: its state, what may happen next, and its
    updates (a case the officer may not see is "not found", as cases says)."""
    if not REFERENCE.match(reference):
        raise NotFoundError(404, "no such case")
    case = await workspace.call(
        session, client, lambda token: workspace.cases.case(token, reference)
    )
    context = {"case": case, "status_names": STATUSES, "channel_names": CHANNELS}
    return workspace.pages.render(request, session, "officer/case.html", context)
