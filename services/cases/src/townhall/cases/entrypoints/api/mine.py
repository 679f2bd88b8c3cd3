"""A resident's own requests: the list behind "my requests", and their part of a
subject access export (the requests cases holds about them, as they may see each)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from townhall.cases import views
from townhall.cases.entrypoints.api.dependencies import CatalogueDep, ListsOwnCases, Session
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/residents/me", tags=["cases"])


class OwnCase(BaseModel):
    """One of the caller's requests as its own page shows it to them (no internal notes,
    nothing of officers')."""

    reference: str
    service_code: str
    service_name: str
    status: str
    channel: str
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime
    details: dict[str, Any]
    description: str
    address: str | None = None


@router.get("/cases", response_model=list[OwnCase], responses=problems(422))
async def own_cases(
    session: Session,
    catalogue: CatalogueDep,
    resident: ListsOwnCases,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OwnCase]:
    """The caller's own requests, newest first: those matched to them that they have
    confirmed, of the types their level of assurance may see (an account: all but
    special-category ones)."""
    found = await views.own_cases(session, catalogue, resident, limit)
    return [OwnCase.model_validate(case) for case in found]
