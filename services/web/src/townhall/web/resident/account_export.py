"""A copy of everything the platform holds about the resident (a subject access
request), prepared in the background while they wait, then downloaded as one zip: the
data as JSON (``my-data.json``) and the files of evidence on their requests.

The steps: identity's record of them and their consents, their whole timeline from
resident-view (read with the purpose "subject access request", so the read itself is
in their access log), who looked at it, their own records in cases (requests, and each
one's evidence: :mod:`.export_evidence`), payments (payments and refunds) and booking
(visits). A service that does not answer is named in the data's ``incomplete``, so the
copy never passes for whole when it is not.

The data lives only in the resident's session here, for :data:`KEPT_S` after it is
ready (or until they sign out, or the session ends): it is never written to disk. The
files are not held: they are streamed from cases into the zip as it is downloaded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from townhall.web.evidence import Evidence
from townhall.web.officer.dependencies import ClientAddress, Form, WorkspaceDep
from townhall.web.officer.workspace import Workspace
from townhall.web.resident import export_evidence
from townhall.web.resident.account_api import EXPORT_PURPOSE, AccountApi
from townhall.web.resident.account_session import (
    AccountSession,
    AccountSignInRequired,
    as_resident,
)
from townhall.web.sessions import Export, ExportFile, Session
from townhall.web.upstream import NotFoundError, UnavailableError, UpstreamError

router = APIRouter(prefix="/account/export", include_in_schema=False)
log = structlog.get_logger(__name__)
#: How long a prepared file is kept for its resident to download.
KEPT_S = 15 * 60
#: The timeline is read in pages of this many entries, up to this many pages.
TIMELINE_PAGE, TIMELINE_PAGES = 200, 500
STEPS = (
    "record",
    "consents",
    "timeline",
    "access_log",
    "requests",
    "evidence",
    "payments",
    "visits",
)
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


def _steps(api: AccountApi, evidence: Evidence, held: dict[str, Any]) -> dict[str, Gather]:
    resident = str(held["resident_id"])

    async def files(token: str) -> Any:
        if held.get("requests") is None:  # the requests are not known: nor their files
            raise UnavailableError(503, "no requests to list the evidence of")
        return await export_evidence.listed(evidence, token, held["requests"])

    return {
        "record": lambda t: api.record(t, resident),
        "consents": lambda t: api.consents(t, resident),
        "timeline": lambda t: _whole_timeline(api, t, resident),
        "access_log": lambda t: api.access_log(t, resident, limit=500),
        "requests": lambda t: api.requests(t, limit=500),
        "evidence": files,
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
    steps = _steps(AccountApi.of(workspace), Evidence(workspace.cases.client), held)
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
    export.files = export_evidence.files_of(held["evidence"])
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
        size = len(export.content or b"") + sum(f.size_bytes for f in export.files)
        context["size_kb"] = max(1, size // 1024)
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
async def download(
    workspace: WorkspaceDep, session: AccountSession, client: ClientAddress
) -> Response:
    """The zip, written as it is sent: the evidence files streamed from cases with the
    resident's own token, then the data."""
    export = session.export
    if export is None or not _ready(workspace, export) or export.content is None:
        raise NotFoundError(404, "no export ready")

    async def current(token: str) -> str:
        return token

    token = await as_resident(workspace, session, client, current)
    evidence = Evidence(workspace.cases.client)

    def fetch(held: ExportFile) -> Awaitable[httpx.Response]:
        return evidence.opened(token, held.reference, held.evidence_id)

    day = datetime.now(UTC).date().isoformat()
    return StreamingResponse(
        export_evidence.zipped(export.content, list(export.files), fetch),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="my-council-data-{day}.zip"'},
    )
