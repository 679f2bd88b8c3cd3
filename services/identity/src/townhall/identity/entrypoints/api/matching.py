"""Records without a resident id, the officers' review queue, merge and unmerge."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from townhall.identity.adapters.review_repository import ReviewRepository
from townhall.identity.domain import commands
from townhall.identity.entrypoints.api.dependencies import (
    Bus,
    Context,
    Sessions,
    actor_id,
    allowed,
)
from townhall.identity.entrypoints.api.schemas import (
    IncomingRecordRequest,
    MatchOut,
    MergeRequest,
    ReviewItemOut,
)
from townhall.identity.service_layer.matching import IncomingRecord
from townhall.runtime.auth import Principal
from townhall.runtime.openapi import problems

router = APIRouter(tags=["matching"])


@router.post(
    "/records/match",
    response_model=MatchOut,
    dependencies=[allowed("record.match")],
    responses=problems(429),
)
async def match_record(body: IncomingRecordRequest, bus: Bus, context: Context) -> MatchOut:
    result = await bus.handle(IncomingRecord(**body.model_dump()), context)
    return MatchOut(**vars(result))


@router.get(
    "/review-items",
    response_model=list[ReviewItemOut],
    dependencies=[allowed("review.list")],
    responses=problems(429),
)
async def list_review_items(
    sessions: Sessions,
    status: Literal["open", "accepted", "rejected"] = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ReviewItemOut]:
    async with sessions() as session:
        items = await ReviewRepository(session).list(status, limit)
    return [ReviewItemOut.model_validate(vars(item)) for item in items]


@router.post(
    "/review-items/{review_id}/{decision}", response_model=MatchOut, responses=problems(404, 409)
)
async def decide_review(
    review_id: UUID,
    decision: Literal["accept", "reject"],
    officer: Annotated[Principal, allowed("review.decide")],
    bus: Bus,
    context: Context,
) -> MatchOut:
    command = commands.DecideReview(review_id, decision == "accept", actor_id(officer))
    return MatchOut(**vars(await bus.handle(command, context)))


@router.post(
    "/residents/{resident_id}/merge",
    status_code=204,
    dependencies=[allowed("resident.merge")],
    responses=problems(404, 410),
)
async def merge(resident_id: UUID, body: MergeRequest, bus: Bus, context: Context) -> None:
    await bus.handle(commands.MergeResidents(resident_id, body.merged_id), context)


@router.post(
    "/residents/{resident_id}/unmerge",
    status_code=204,
    dependencies=[allowed("resident.unmerge")],
    responses=problems(404, 410),
)
async def unmerge(resident_id: UUID, body: MergeRequest, bus: Bus, context: Context) -> None:
    await bus.handle(commands.UnmergeResidents(resident_id, body.merged_id), context)
