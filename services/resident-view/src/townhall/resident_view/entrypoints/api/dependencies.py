"""FastAPI dependencies as Annotated aliases (the only place Depends appears)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.resident_view.live import LiveProjection
from townhall.resident_view.views import BadCursorError, Cursor, Filters
from townhall.runtime.auth import CurrentPrincipal, Principal
from townhall.runtime.problems import BadRequest, Forbidden
from townhall.runtime.service import ServiceRuntime

ADMIN = "admin"


def _sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime.sessions


def _served(request: Request) -> int:
    """The generation of the store the live projection serves right now."""
    live: LiveProjection = request.app.state.live
    return live.generation.number


def _purpose(
    viewer: CurrentPrincipal,
    purpose: Annotated[str | None, Query(max_length=500, description="Why you are looking")] = None,
) -> str:
    """Officers state why they look (it goes into the audit); residents look at their own."""
    if viewer.kind == "resident":
        return purpose or "own history"
    if not purpose or len(purpose.strip()) < 3:
        raise BadRequest("state the purpose of this look-up in the 'purpose' parameter")
    return purpose.strip()


def _filters(
    domain: Annotated[list[str] | None, Query(max_length=64)] = None,
    type: Annotated[list[str] | None, Query(max_length=200)] = None,
    case: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
) -> Filters:
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise BadRequest("since and until need a time zone, e.g. 2026-11-23T09:00:00Z")
    if since and until and since >= until:
        raise BadRequest("'since' must be before 'until'")
    return Filters(tuple(domain or ()), tuple(type or ()), case, since, until, q)


def _cursor(cursor: Annotated[str | None, Query(max_length=400)] = None) -> Cursor | None:
    if cursor is None:
        return None
    try:
        return Cursor.decode(cursor)
    except BadCursorError as exc:
        raise BadRequest(str(exc)) from exc


def _administrator(viewer: CurrentPrincipal) -> Principal:
    if viewer.kind != "officer" or ADMIN not in {role.domain for role in viewer.roles}:
        raise Forbidden("only administrators may read the access audit")
    return viewer


Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(_sessions)]
Purpose = Annotated[str, Depends(_purpose)]
Served = Annotated[int, Depends(_served)]
TimelineFilters = Annotated[Filters, Depends(_filters)]
PageCursor = Annotated[Cursor | None, Depends(_cursor)]
Administrator = Annotated[Principal, Depends(_administrator)]
