"""The audits: administrators query them; residents see who looked at their history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from townhall.resident_view.entrypoints.api.dependencies import (
    AccessLogReader,
    AuditReader,
    LookupsReader,
    Sessions,
)
from townhall.resident_view.reads import audit_trail
from townhall.runtime.openapi import problems
from townhall.runtime.problems import Forbidden, UnprocessableContent

router = APIRouter(tags=["audit"])


class Narrowed(BaseModel):
    """What both audits are narrowed by: when, why (words in the purpose), which page."""

    since: datetime | None = Field(default=None, description="From this moment (included).")
    until: datetime | None = Field(default=None, description="Before this moment.")
    purpose: str | None = Field(default=None, max_length=200, description="Words in the purpose.")
    offset: int = Field(default=0, ge=0, le=100_000, description="Skip this many rows (paging).")

    def window(self) -> audit_trail.Window:
        if self.since and self.until and self.until <= self.since:
            raise UnprocessableContent("until: must be after since", title="Invalid filter")
        return audit_trail.Window(self.since, self.until, self.purpose, self.offset)


class Access(BaseModel):
    at: datetime
    viewer: str
    viewer_kind: str
    resident_id: str
    purpose: str
    outcome: str
    entry_ids: list[str]


@router.get("/audit", response_model=list[Access], responses=problems(503))
async def query_audit(
    _admin: AuditReader,
    sessions: Sessions,
    resident_id: UUID | None = None,
    viewer: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    narrowed: Annotated[Narrowed, Query()] = Narrowed(),  # noqa: B008 (FastAPI's query model)
) -> list[Access]:
    """Every read of a resident's history, newest first, allowed or not."""
    window = narrowed.window()
    async with sessions() as session:
        rows = await audit_trail.trail(
            session,
            resident_id=str(resident_id) if resident_id else None,
            viewer=viewer,
            limit=limit,
            window=window,
        )
    return [Access(**row) for row in rows]


class Lookup(BaseModel):
    at: datetime
    viewer: str
    viewer_kind: str
    action: str
    purpose: str
    query: str
    outcome: str
    resident_ids: list[str]


@router.get("/audit/lookups", response_model=list[Lookup], responses=problems(503))
async def query_lookups(
    _admin: LookupsReader,
    sessions: Sessions,
    viewer: Annotated[str | None, Query(max_length=200)] = None,
    action: Literal["search", "tracking"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    resident_id: UUID | None = None,
    narrowed: Annotated[Narrowed, Query()] = Narrowed(),  # noqa: B008 (FastAPI's query model)
) -> list[Lookup]:
    """Every search and tracking look-up: who, why, by what fields, whom it returned
    (``resident_id``: those that returned this resident)."""
    window = narrowed.window()
    async with sessions() as session:
        rows = await audit_trail.lookups(
            session,
            viewer=viewer,
            action=action,
            limit=limit,
            resident_id=str(resident_id) if resident_id else None,
            window=window,
        )
    return [Lookup(**row) for row in rows]


@router.get(
    "/residents/{resident_id}/access-log", response_model=list[Access], responses=problems(503)
)
async def own_access_log(
    resident_id: UUID,
    viewer: AccessLogReader,
    sessions: Sessions,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Access]:
    if viewer.subject != str(resident_id):  # the table admits residents only
        raise Forbidden("residents see who looked at their own history")
    async with sessions() as session:
        rows = await audit_trail.trail(session, resident_id=str(resident_id), limit=limit)
    return [Access(**row) for row in rows]
