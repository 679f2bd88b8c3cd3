"""The officer's work queue, as cases serves it for their roles: how many cases are in
each status (each a link to those cases), then the cases themselves, page by page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import ClientAddress, OfficerSession, WorkspaceDep
from townhall.web.officer.labels import STATUSES

router = APIRouter(prefix="/officer", include_in_schema=False)
UNKNOWN_STATUS = N_("Choose a status from the list")


@router.get("/queue")
async def queue(
    request: Request,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    cursor: str | None = None,
    status: str = "",
) -> Response:
    wanted = Checked({"status": status})
    if status and status not in STATUSES:
        wanted.error("status", UNKNOWN_STATUS)
    filters = [("status", status)] if status and wanted.ok else []
    counts = await workspace.call(
        session, client, lambda token: workspace.cases.queue_counts(token)
    )
    page: dict[str, Any] = {}
    if wanted.ok:
        params = [*filters, *([("cursor", cursor)] if cursor else [])]
        page = await workspace.call(
            session, client, lambda token: workspace.cases.queue(token, params)
        )
    following = page.get("next_cursor")
    context = {
        "items": page.get("items", []),
        "status_names": STATUSES,
        "counts": counts,
        "status": status if wanted.ok else "",
        "errors": wanted.errors,
        "next_page": (
            f"/officer/queue?{urlencode([*filters, ('cursor', following)])}" if following else None
        ),
    }
    return workspace.pages.render(
        request, session, "officer/queue.html", context, status_code=200 if wanted.ok else 400
    )
