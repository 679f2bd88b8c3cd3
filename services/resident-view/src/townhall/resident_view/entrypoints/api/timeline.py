"""GET a resident's timeline (thin slice: newest first, limited; filters come later)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from townhall.resident_view import views
from townhall.runtime.auth import CurrentPrincipal
from townhall.runtime.problems import Forbidden
from townhall.runtime.service import ServiceRuntime

router = APIRouter(prefix="/residents", tags=["timeline"])


class Entry(BaseModel):
    event_id: str
    time: datetime
    type: str
    domain: str
    sensitivity: str
    summary: str
    source: str
    sequence: int
    subject: str
    data: dict[str, Any]


class Timeline(BaseModel):
    resident_id: UUID
    entries: list[Entry]


@router.get("/{resident_id}/timeline", response_model=Timeline)
async def get_timeline(
    resident_id: UUID,
    viewer: CurrentPrincipal,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Timeline:
    if viewer.kind == "resident" and viewer.subject != str(resident_id):
        raise Forbidden("residents may see only their own history")
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.sessions() as session:
        rows = await views.timeline(session, str(resident_id), viewer, limit)
    return Timeline(resident_id=resident_id, entries=[Entry(**row) for row in rows])
