"""Records without a resident id: link, queue for review, or create; merge, unmerge."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date

from townhall.identity.domain import commands
from townhall.identity.domain.exceptions import NotFoundError
from townhall.identity.domain.model import Resident
from townhall.identity.domain.review import ReviewItem
from townhall.identity.service_layer.matching import IncomingRecord, Matcher, Thresholds
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock


@dataclass(frozen=True)
class MatchResult:
    outcome: str  # "linked" | "review" | "created"
    resident_id: uuid.UUID | None = None
    review_id: uuid.UUID | None = None


async def _get(uow: UnitOfWork, resident_id: uuid.UUID, *, follow: bool = True) -> Resident:
    resident = await uow.residents.get(resident_id, follow=follow)
    if resident is None:
        raise NotFoundError("resident", resident_id)
    return resident


async def _link(uow: UnitOfWork, resident: Resident, record: IncomingRecord) -> None:
    resident.link_identifier(record.system, record.reference)
    await uow.residents.save(resident)


async def _create(uow: UnitOfWork, record: IncomingRecord) -> Resident:
    email_free = record.email and not await uow.residents.email_taken(record.email)
    resident = Resident.register(
        commands.RegisterResident(
            record.given_name,
            record.family_name,
            "legacy",
            record.date_of_birth,
            email=record.email if email_free else None,
            phone=record.phone,
        )
    )
    await uow.residents.add(resident)
    await _link(uow, resident, record)
    return resident


async def match_record(
    record: IncomingRecord, uow: UnitOfWork, matcher: Matcher, thresholds: Thresholds
) -> MatchResult:
    async with uow:
        owner = await uow.residents.identifier_owner(record.system, record.reference)
        if owner is not None:  # seen before: idempotent
            return MatchResult("linked", (await _get(uow, owner)).id)
        candidates = await matcher.candidates(record, uow)
        best = candidates[0] if candidates else None
        if best is not None and best.probability >= thresholds.link:
            resident = await _get(uow, best.resident_id)
            await _link(uow, resident, record)
            result = MatchResult("linked", resident.id)
        elif best is not None and best.probability >= thresholds.review:
            item = ReviewItem(
                uuid.uuid4(),
                _jsonable(record),
                best.resident_id,
                best.probability,
                [asdict(e) for e in best.evidence],
            )
            await uow.reviews.add(item)
            result = MatchResult("review", review_id=item.id)
        else:
            result = MatchResult("created", (await _create(uow, record)).id)
        await uow.commit()
    return result


async def decide_review(
    command: commands.DecideReview, uow: UnitOfWork, clock: Clock
) -> MatchResult:
    async with uow:
        item = await uow.reviews.get(command.review_id)
        if item is None:
            raise NotFoundError("review item", command.review_id)
        item.decide(command.accept, command.officer_id, clock())
        record = _record(item.record)
        if command.accept:
            resident = await _get(uow, item.resident_id)
            await _link(uow, resident, record)
        else:
            resident = await _create(uow, record)
            item.created_resident_id = resident.id
        await uow.reviews.save(item)
        await uow.commit()
    return MatchResult("linked" if command.accept else "created", resident.id)


async def merge_residents(command: commands.MergeResidents, uow: UnitOfWork) -> None:
    async with uow:
        survivor = await _get(uow, command.survivor_id, follow=False)
        merged = await _get(uow, command.merged_id, follow=False)
        merged.merge_into(survivor)
        await uow.residents.save(merged)
        await uow.commit()


async def unmerge_residents(command: commands.UnmergeResidents, uow: UnitOfWork) -> None:
    async with uow:
        merged = await _get(uow, command.merged_id, follow=False)
        merged.unmerge_from(command.survivor_id)
        await uow.residents.save(merged)
        await uow.commit()


def _jsonable(record: IncomingRecord) -> dict[str, object]:
    values = asdict(record)
    dob = values["date_of_birth"]
    values["date_of_birth"] = dob.isoformat() if dob else None
    return values


def _record(values: dict[str, object]) -> IncomingRecord:
    dob = values.get("date_of_birth")
    return IncomingRecord(**{**values, "date_of_birth": date.fromisoformat(dob) if dob else None})  # type: ignore[arg-type]
