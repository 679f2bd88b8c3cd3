"""A resident's timeline: filtered, paged, permission-filtered in SQL, and audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from townhall.resident_view.entrypoints.api.dependencies import (
    ClockDep,
    EntryAllowance,
    EntryPurpose,
    EntryViewer,
    PageCursor,
    Served,
    ServiceUrls,
    Sessions,
    TimelineAllowance,
    TimelineFilters,
    TimelinePurpose,
    TimelineViewer,
)
from townhall.resident_view.projection.wording import CODES
from townhall.resident_view.reads import audit_trail, timeline
from townhall.resident_view.reads.policy import may_view_resident, visibility
from townhall.runtime.auth import Principal
from townhall.runtime.clock import Clock
from townhall.runtime.openapi import problems
from townhall.runtime.problems import Forbidden, NotFound

router = APIRouter(prefix="/residents", tags=["timeline"])
CLAIMED = (
    "True for a report made in the resident's name by someone who only gave their name "
    "and email or phone, until the resident confirms it was theirs: never the resident's "
    "own act before then."
)
SUMMARY_CODE = (
    "What happened as a code, for a front door to word in its reader's language with "
    "summary_params (summary is the same in English); null when the summary is English "
    "only. One of: " + ", ".join(CODES) + "."
)
SUMMARY_PARAMS = (
    "The code's facts, in no language: reference, service_code, channel, from_status and "
    "to_status (cases' statuses), the contact's reason, amount_pence, a visit's starts_at "
    "(ISO, UTC) and its outcome (completed, no_access, not_home); only those the code uses."
)
Params = dict[str, str | int | bool]


class Entry(BaseModel):
    event_id: str
    time: datetime
    type: str
    domain: str
    sensitivity: str
    summary: str
    summary_code: str | None = Field(description=SUMMARY_CODE)
    summary_params: Params = Field(description=SUMMARY_PARAMS)
    source: str
    sequence: int
    subject: str
    case_reference: str | None
    channel: str | None
    audience: str
    claimed: bool = Field(description=CLAIMED)
    view: Literal["detail", "summary"]
    data: dict[str, Any] | None
    links: dict[str, str] = Field(
        description="self: this entry; tracking: the request end to end; case: the request "
        "in cases' own API (when its address is configured)."
    )


def _entry(row: dict[str, Any], resident: str, urls: Mapping[str, str]) -> Entry:
    links = {"self": f"/residents/{resident}/timeline/{quote(row['event_id'], safe='')}"}
    if reference := row["case_reference"]:
        links["tracking"] = f"/tracking/{quote(reference, safe='')}"
        cases = urls.get("cases")
        if cases:
            links["case"] = f"{cases.rstrip('/')}/cases/{quote(reference, safe='')}"
    return Entry(**row, links=links)


class Timeline(BaseModel):
    resident_id: UUID
    entries: list[Entry]
    next_cursor: str | None
    withheld_until_verified: bool = Field(
        description="True when the resident's own sensitive or special-category entries "
        "are withheld from this view until they verify their identity (level of "
        "assurance 2)."
    )
    not_shown: int | None = Field(
        default=None,
        description="To an officer: how many of the resident's entries they may not see "
        "at all (special-category entries are not counted: their existence is not "
        "disclosed outside their domain). Absent for anyone else.",
    )


async def _refuse(
    sessions: Sessions, viewer: Principal, resident: str, purpose: str, clock: Clock
) -> None:
    async with sessions.begin() as session:
        await audit_trail.record(
            session, viewer, resident, at=clock(), purpose=purpose, outcome="denied"
        )
    raise Forbidden("you may not see this resident's history")


@router.get(
    "/{resident_id}/timeline",
    response_model=Timeline,
    responses=problems(400, 429, 503),
    dependencies=[TimelineAllowance],
)
async def get_timeline(
    resident_id: UUID,
    viewer: TimelineViewer,
    purpose: TimelinePurpose,
    urls: ServiceUrls,
    clock: ClockDep,
    filters: TimelineFilters,
    cursor: PageCursor,
    sessions: Sessions,
    generation: Served,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Timeline:
    resident = str(resident_id)
    if not may_view_resident(viewer, resident):
        await _refuse(sessions, viewer, resident, purpose, clock)
    async with sessions.begin() as session:
        scope = timeline.Scope(generation, resident, visibility(viewer, resident))
        rows, following = await timeline.page(
            session, scope, filters=filters, limit=limit, after=cursor
        )
        held_back = await timeline.withheld(session, scope)
        hidden = await timeline.unseen(session, scope) if viewer.kind == "officer" else None
        ids = [row["event_id"] for row in rows]
        await audit_trail.record(
            session, viewer, resident, at=clock(), purpose=purpose, outcome="shown", entry_ids=ids
        )
    return Timeline(
        resident_id=resident_id,
        entries=[_entry(row, resident, urls) for row in rows],
        next_cursor=following.encode() if following else None,
        withheld_until_verified=held_back,
        not_shown=hidden,
    )


@router.get(
    "/{resident_id}/timeline/{event_id}",
    response_model=Entry,
    responses=problems(400, 404, 429, 503),
    dependencies=[EntryAllowance],
)
async def get_entry(
    resident_id: UUID,
    event_id: Annotated[str, Path(max_length=128)],
    viewer: EntryViewer,
    purpose: EntryPurpose,
    urls: ServiceUrls,
    clock: ClockDep,
    sessions: Sessions,
    generation: Served,
) -> Entry:
    resident = str(resident_id)
    if not may_view_resident(viewer, resident):
        await _refuse(sessions, viewer, resident, purpose, clock)
    async with sessions.begin() as session:
        scope = timeline.Scope(generation, resident, visibility(viewer, resident))
        row = await timeline.entry(session, scope, event_id)
        outcome = "shown" if row else "not_found"
        shown = [event_id] if row else []
        await audit_trail.record(
            session, viewer, resident, at=clock(), purpose=purpose, outcome=outcome, entry_ids=shown
        )
    if row is None:  # absent or not visible: existence itself is not disclosed
        raise NotFound("no such entry in this resident's history")
    return _entry(row, resident, urls)
