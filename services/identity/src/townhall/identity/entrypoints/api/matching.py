"""Records without a resident id, the officers' review queue, merge and unmerge."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.adapters.review_repository import ReviewRepository
from townhall.identity.domain import commands
from townhall.identity.domain.exceptions import NotFoundError, ResidentErasedError
from townhall.identity.entrypoints.api.dependencies import (
    Bus,
    Context,
    Sessions,
    actor_id,
    allowed,
)
from townhall.identity.entrypoints.api.schemas import (
    EvidenceOut,
    IncomingRecordRequest,
    LinkOut,
    MatchOut,
    MergeRequest,
    ReviewItemOut,
    ReviewOutcomeOut,
)
from townhall.identity.service_layer.matching import FormerAddress, FormerName, IncomingRecord
from townhall.identity.service_layer.matching_handlers import MatchResult
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
    """Link a source record to a resident, queue it for an officer, or create one; the
    answer shows the evidence field by field."""
    return _match_out(await bus.handle(_incoming(body), context))


def _incoming(body: IncomingRecordRequest) -> IncomingRecord:
    values = body.model_dump(exclude={"middle_names", "former_family_names", "previous_addresses"})
    former = tuple(FormerName(**f.model_dump()) for f in body.former_family_names)
    previous = tuple(FormerAddress(**a.model_dump()) for a in body.previous_addresses)
    return IncomingRecord(
        **values,
        middle_names=tuple(body.middle_names),
        former_family_names=former,
        previous_addresses=previous,
    )


def _match_out(result: MatchResult) -> MatchOut:
    evidence = [EvidenceOut.model_validate(vars(e)) for e in result.evidence]
    return MatchOut(
        outcome=result.outcome,
        resident_id=result.resident_id,
        review_id=result.review_id,
        probability=result.probability,
        evidence=evidence,
    )


@router.get(
    "/review-items",
    response_model=list[ReviewItemOut],
    dependencies=[allowed("review.list")],
    responses=problems(429),
)
async def list_review_items(
    sessions: Sessions,
    status: Literal["open", "accepted", "rejected", "erased"] = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ReviewItemOut]:
    async with sessions() as session:
        items = await ReviewRepository(session).list(status, limit)
    return [ReviewItemOut.model_validate(vars(item)) for item in items]


@router.get(
    "/review-items/{review_id}/outcome",
    response_model=ReviewOutcomeOut,
    dependencies=[allowed("record.outcome")],
    responses=problems(404, 429),
)
async def review_outcome(review_id: UUID, sessions: Sessions) -> ReviewOutcomeOut:
    """Whether an officer has decided a review item, and the resident the record became:
    the one proposed (accepted) or a new one (rejected). What a service that sent the
    record (the legacy mapper) needs to place what waited for it; nothing personal."""
    async with sessions() as session:
        item = await ReviewRepository(session).get(review_id)
    if item is None:
        raise NotFoundError("review item", review_id)
    resident = {"accepted": item.resident_id, "rejected": item.created_resident_id}
    return ReviewOutcomeOut(status=item.status, resident_id=resident.get(item.status))


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
    return _match_out(await bus.handle(command, context))


@router.get(
    "/residents/{resident_id}/links",
    response_model=list[LinkOut],
    dependencies=[allowed("resident.links")],
    responses=problems(404, 410, 429),
)
async def resident_links(resident_id: UUID, sessions: Sessions) -> list[LinkOut]:
    """The source records linked to a resident (and to those merged into it), oldest
    first: who decided, and the evidence field by field."""
    async with sessions() as session:
        residents = ResidentRepository(session)
        resident = await residents.get(resident_id)
        if resident is None:
            raise NotFoundError("resident", resident_id)
        if resident.erased:
            raise ResidentErasedError()
        ids = {resident.id, *(r.id for r in await residents.merged_into(resident.id))}
        links = await ReviewRepository(session).links(ids)
    return [LinkOut.model_validate(vars(link)) for link in links]


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
