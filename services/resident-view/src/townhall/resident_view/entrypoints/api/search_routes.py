"""Finding residents: officers only, ranked, and every search audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from townhall.resident_view.entrypoints.api.dependencies import (
    ClockDep,
    SearchAllowance,
    SearchCriteria,
    Searcher,
    SearchPurpose,
    Served,
    Sessions,
)
from townhall.resident_view.reads import audit_trail
from townhall.resident_view.reads.policy import may_search, officer_visibility
from townhall.resident_view.reads.search import search
from townhall.runtime.openapi import problems
from townhall.runtime.problems import Forbidden

router = APIRouter(tags=["search"])


class ResidentFound(BaseModel):
    resident_id: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    postcode: str | None
    score: float = Field(description="How well the resident answers the search, 0 to 1.")
    matched_on: list[str] = Field(
        description="Why: name, similar_name, nickname, former_name, date_of_birth, "
        "date_of_birth_swapped, postcode, postcode_district, former_address, uprn, email, "
        "phone, identifier, case_reference; merged_record when found through a record "
        "merged into this resident."
    )


class SearchResults(BaseModel):
    searched_by: list[str]
    results: list[ResidentFound]


@router.get(
    "/residents/search",
    response_model=SearchResults,
    responses=problems(400, 429, 503),
    dependencies=[SearchAllowance],
)
async def search_residents(
    viewer: Searcher,
    purpose: SearchPurpose,
    criteria: SearchCriteria,
    sessions: Sessions,
    generation: Served,
    clock: ClockDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> SearchResults:
    fields = criteria.given()
    allowed = may_search(viewer)
    async with sessions.begin() as session:
        found = []  # a refused search looks nothing up, but is audited all the same
        if allowed:
            found = await search(session, generation, criteria, officer_visibility(viewer), limit)
        await audit_trail.record_lookup(
            session,
            viewer,
            "search",
            at=clock(),
            purpose=purpose,
            query=",".join(fields),
            outcome="denied" if not allowed else "shown" if found else "none_found",
            resident_ids=[f.resident_id for f in found],
        )
    if not allowed:
        raise Forbidden("only officers with a domain role may search for residents")
    return SearchResults(
        searched_by=fields,
        results=[
            ResidentFound(
                resident_id=f.resident_id,
                given_name=f.given_name,
                family_name=f.family_name,
                date_of_birth=f.date_of_birth,
                postcode=f.postcode,
                score=f.score,
                matched_on=list(f.matched_on),
            )
            for f in found
        ],
    )
