"""The officer's work queue, as cases serves it for their roles: how many cases are in
each status (each a link to those cases), then the cases themselves, page by page,
narrowed by status, whose they are (mine, nobody's yet) and their service level (past
due, due within a day). The counts follow the same filters but the status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.dependencies import ClientAddress, OfficerSession, WorkspaceDep
from townhall.web.officer.labels import STATUSES

router = APIRouter(prefix="/officer", include_in_schema=False)
ASSIGNEES = {"me": N_("Assigned to me"), "unassigned": N_("Not assigned yet")}
SLAS = {"breached": N_("Past their due date"), "due": N_("Due within a day")}
#: Each filter: its choices, and the message when a value is not one of them.
FILTERS: dict[str, tuple[Mapping[str, str], str]] = {
    "status": (STATUSES, N_("Choose a status from the list")),
    "assignee": (ASSIGNEES, N_("Choose whose cases to show from the list")),
    "sla": (SLAS, N_("Choose a due date from the list")),
}


def queue_filters(query: Mapping[str, str]) -> Checked:
    """The queue's filters, checked; ``criteria``: cases' (status last, for the counts)."""
    checked = Checked({name: str(query.get(name, "")).strip() for name in FILTERS})
    for name, (choices, message) in FILTERS.items():
        value = checked.values[name]
        if value and value not in choices:
            checked.error(name, message)
        elif value and name != "status":
            checked.criteria.append((name, value))
    if checked.ok and checked.values["status"]:
        checked.criteria.append(("status", checked.values["status"]))
    return checked


@router.get("/queue")
async def queue(
    request: Request,
    workspace: WorkspaceDep,
    session: OfficerSession,
    client: ClientAddress,
    cursor: str | None = None,
) -> Response:
    wanted = queue_filters(dict(request.query_params))
    filters = wanted.criteria
    page: dict[str, Any] = {}
    counts: dict[str, Any] = {"total": 0, "by_status": {}}
    if wanted.ok:
        shared = [(k, v) for k, v in filters if k != "status"]
        counts = await workspace.call(
            session, client, lambda token: workspace.cases.queue_counts(token, shared)
        )
        params = [*filters, *([("cursor", cursor)] if cursor else [])]
        page = await workspace.call(
            session, client, lambda token: workspace.cases.queue(token, params)
        )
    following = page.get("next_cursor")
    kept = [(k, v) for k, v in wanted.values.items() if v and k != "status"]
    context = {
        "items": page.get("items", []),
        "status_names": STATUSES,
        "assignee_names": ASSIGNEES,
        "sla_names": SLAS,
        "counts": counts,
        "form": wanted,
        "errors": wanted.errors,
        "status_link": f"/officer/queue?{urlencode(kept)}&status="
        if kept
        else "/officer/queue?status=",
        "next_page": (
            f"/officer/queue?{urlencode([*filters, ('cursor', following)])}" if following else None
        ),
    }
    return workspace.pages.render(
        request, session, "officer/queue.html", context, status_code=200 if wanted.ok else 400
    )
