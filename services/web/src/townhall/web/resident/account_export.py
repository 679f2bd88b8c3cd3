"""A copy of everything the platform holds about the resident (a subject access
request), prepared in the background while they wait, then downloaded as one JSON file.

The steps: identity's record of them and their consents, their whole timeline from
resident-view (read with the purpose "subject access request", so the read itself is
in their access log), who looked at it, and their own records in cases (requests),
payments (payments and refunds) and booking (visits). A service that does not answer
is named in the file's ``incomplete``, so the copy never passes for whole when it is
not.

The file lives only in the resident's session here, for :data:`KEPT_S` after it is
ready (or until they sign out, or the session ends): it is never written to disk.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from townhall.web.officer.dependencies import ClientAddress, Form, WorkspaceDep
from townhall.web.officer.workspace import Workspace
from townhall.web.resident.account_api import EXPORT_PURPOSE, AccountApi
from townhall.web.resident.account_session import (
    AccountSession,
    AccountSignInRequired,
    as_resident,
)
from townhall.web.sessions import Export, Session
from townhall.web.upstream import NotFoundError, UpstreamError

router = APIRouter(prefix="/account/export", include_in_schema=False)
log = structlog.get_logger(__name__)
#: How long a prepared file is kept for its resident to download.
KEPT_S = 15 * 60
#: The timeline is read in pages of this many entries, up to this many pages.
TIMELINE_PAGE, TIMELINE_PAGES = 200, 500
STEPS = ("record", "consents", "timeline", "access_log", "requests", "payments", "visits")
Gather = Callable[[str], Awaitable[Any]]


async def _whole_timeline(api: AccountApi, token: str, resident: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(TIMELINE_PAGES):
        page = await api.timeline(
            token, resident, cursor=cursor, limit=TIMELINE_PAGE, purpose=EXPORT_PURPOSE
        )
        entries += page.get("entries", [])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return entries


def _steps(api: AccountApi, resident: str) -> dict[str, Gather]:
    return {
        "record": lambda t: api.record(t, resident),
        "consents": lambda t: api.consents(t, resident),
        "timeline": lambda t: _whole_timeline(api, t, resident),
        "access_log": lambda t: api.access_log(t, resident, limit=500),
        "requests": lambda t: api.requests(t, limit=500),
        "payments": lambda t: api.payments(t, limit=500),
        "visits": lambda t: api.visits(t, limit=500),
    }


async def prepare(workspace: Workspace, session: Session, client: str, export: Export) -> None:
    """Gather every step into ``export`` (its progress counted step by step), then the
    file; the session ending on the way, or an answer not understood, fails it,
    keeping nothing (the page then offers to try again)."""
    try:
        await _gather(workspace, session, client, export)
    except Exception:
        log.exception("account_export_failed", done=export.done, total=export.total)
        export.failed, export.content = True, None


async def _gather(workspace: Workspace, session: Session, client: str, export: Export) -> None:
    resident = str(session.resident)
    held: dict[str, Any] = {
        "resident_id": resident,
        "prepared_at": datetime.now(UTC).isoformat(),
        "incomplete": [],
    }
    steps = _steps(AccountApi.of(workspace), resident)
    for name in STEPS:
        try:
            held[name] = await as_resident(workspace, session, client, steps[name])
        except AccountSignInRequired:
            export.failed = True
            return
        except UpstreamError:
            held[name] = None
            held["incomplete"].append(name)
        export.done += 1
    export.content = json.dumps(held, indent=2, ensure_ascii=False, default=str).encode()
    export.expires_at = workspace.sessions.clock() + KEPT_S


def _ready(workspace: Workspace, export: Export | None) -> bool:
    return (
        export is not None
        and export.content is not None
        and export.expires_at is not None
        and export.expires_at > workspace.sessions.clock()
    )


@router.get("")
async def export_page(
    request: Request, workspace: WorkspaceDep, session: AccountSession
) -> Response:
    """Where the export is: not asked for, being prepared (the page refreshes itself,
    and has a link to refresh it without JavaScript), ready, or failed."""
    export = session.export
    if export is not None and export.content is not None and not _ready(workspace, export):
        session.export = export = None  # kept long enough: gone
    preparing = export is not None and export.content is None and not export.failed
    context: dict[str, Any] = {"export": export, "preparing": preparing}
    if export is not None and _ready(workspace, export):
        left = (export.expires_at or 0) - workspace.sessions.clock()
        context["until"] = datetime.now(UTC) + timedelta(seconds=left)
        context["size_kb"] = max(1, len(export.content or b"") // 1024)
    return workspace.pages.render(request, session, "resident/account/export.html", context)


@router.post("")
async def start_export(
    workspace: WorkspaceDep, session: AccountSession, client: ClientAddress, form: Form
) -> Response:
    """Start preparing a new file (one at a time: asking again while one is being
    prepared starts nothing)."""
    current = session.export
    preparing = current is not None and current.content is None and not current.failed
    if not preparing:
        export = Export(total=len(STEPS))
        session.export = export
        export.task = asyncio.create_task(prepare(workspace, session, client, export))
    return RedirectResponse("/account/export", status_code=303)


@router.get("/download")
async def download(workspace: WorkspaceDep, session: AccountSession) -> Response:
    export = session.export
    if export is None or not _ready(workspace, export):
        raise NotFoundError(404, "no export ready")
    day = datetime.now(UTC).date().isoformat()
    return Response(
        export.content,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-council-data-{day}.json"'},
    )
