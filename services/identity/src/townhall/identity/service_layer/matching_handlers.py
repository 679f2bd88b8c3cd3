"""Records without a resident id: link, queue for review, or create; merge, unmerge.

A resident created from a record keeps all of it; a link adds what the record knew and
the resident did not (``Resident.add_source``), and is logged with the evidence it
rested on, so officers can see why.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Literal

import structlog

from townhall.identity.domain import commands
from townhall.identity.domain.exceptions import InvalidChangeError, NotFoundError
from townhall.identity.domain.model import Address, Link, Name, Resident, SourceRecord
from townhall.identity.domain.review import DUPLICATE, RECORD, ReviewItem
from townhall.identity.linkage.matcher import AMBIGUOUS_POSTERIOR
from townhall.identity.service_layer.matching import (
    FieldEvidence,
    FormerAddress,
    IncomingRecord,
    Matcher,
    Thresholds,
)
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock
from townhall.runtime.normal_forms import (
    normalise_ni_number,
    normalise_phone,
    normalise_postcode,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class MatchResult:
    #: ``erased``: the record's contact point belonged to a resident erased after the
    #: record was observed; nothing was created or linked, and no resident is named.
    #: A duplicate item decided: ``merged`` (the other resident into ``resident_id``)
    #: or ``separate`` (two people, remembered).
    outcome: Literal["linked", "review", "created", "erased", "merged", "separate"]
    resident_id: uuid.UUID | None = None
    review_id: uuid.UUID | None = None
    #: For a link or a review item: the match's probability and its evidence.
    probability: float | None = None
    evidence: tuple[FieldEvidence, ...] = ()


async def _get(uow: UnitOfWork, resident_id: uuid.UUID, *, follow: bool = True) -> Resident:
    resident = await uow.residents.get(resident_id, follow=follow)
    if resident is None:
        raise NotFoundError("resident", resident_id)
    return resident


def source_of(record: IncomingRecord, email: str | None, today: date) -> SourceRecord:
    """The personal part of ``record`` in the aggregate's terms, normal forms applied
    (an NI number that is not one is refused). ``email`` is the record's email if no
    other resident holds it; ``today`` dates a former address the record left undated."""
    given = record.given_name or ""
    name = Name(
        given,
        record.family_name,
        title=record.title,
        initials=record.initials,
        middle_names=" ".join(record.middle_names) or None,
        suffix=record.suffix,
    )
    former = tuple(
        Name(given, f.family_name, since=f.since, until=f.until) for f in record.former_family_names
    )
    address = _address(record) if record.has_address else None
    # a former address the source gave no end date for was left by the record's date
    left_by = record.recorded_on or (record.observed_at.date() if record.observed_at else today)
    formers = tuple(
        replace(_address(former), moved_in=former.since, moved_out=former.until or left_by)
        for former in record.previous_addresses
        if former.has_address
    )
    try:
        ni_number = normalise_ni_number(record.ni_number) if record.ni_number else None
    except ValueError as error:
        raise InvalidChangeError(str(error)) from None
    return SourceRecord(name, record.date_of_birth, ni_number, address, email,
                        normalise_phone(record.phone), former, record.recorded_on,
                        formers)  # fmt: skip


def _address(place: IncomingRecord | FormerAddress) -> Address:
    return Address(_text(place.address_line), None, _text(place.town), _postcode(place.postcode),
                   _text(place.uprn), flat=_text(place.flat), house_name=_text(place.house_name),
                   house_number=_text(place.house_number))  # fmt: skip


def _text(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _postcode(text: str | None) -> str | None:
    """A valid postcode in normal form; a partial or mistyped one as written."""
    if not text or not text.strip():
        return None
    try:
        return normalise_postcode(text)
    except ValueError:
        return " ".join(text.split()).upper()[:8]


async def _free_email(uow: UnitOfWork, email: str | None, resident: Resident | None) -> str | None:
    """The email, if no resident other than ``resident`` holds it (it signs one in)."""
    if not email:
        return None
    email = email.strip().lower()
    if resident is not None and any(p.kind == "email" and p.value == email
                                    for p in resident.contact_points):  # fmt: skip
        return email
    # held by another resident, or by one merged into this one (the row keeps it)
    if await uow.residents.find_by_contact("email", email) is not None:
        return None
    return None if await uow.residents.email_taken(email) else email


async def _link(
    uow: UnitOfWork, resident: Resident, record: IncomingRecord, link: Link | None
) -> None:
    """Add what ``record`` knows to ``resident`` and link its identifier; ``link``
    (None for a resident the record created) keeps why."""
    email = await _free_email(uow, record.email, resident)
    resident.add_source(source_of(record, email, uow.clock().date()))
    resident.link_identifier(record.system, record.reference)
    await uow.residents.save(resident)
    if link is not None:
        await uow.reviews.add_link(link)


async def _create(uow: UnitOfWork, record: IncomingRecord) -> Resident:
    source = source_of(record, await _free_email(uow, record.email, None), uow.clock().date())
    resident = Resident.from_source(source, "legacy")
    resident.link_identifier(record.system, record.reference)
    await uow.residents.add(resident)
    return resident


def _evidence(found: tuple[FieldEvidence, ...]) -> list[dict[str, object]]:
    return [asdict(e) for e in found]


async def _merge_bridged(
    uow: UnitOfWork, survivor: Resident, same_person: tuple[uuid.UUID, ...]
) -> None:
    """Merge into ``survivor`` the residents the linked record showed to be its person
    (known at an old address and at a new one until this record joined them)."""
    for resident_id in same_person:
        other = await uow.residents.get(resident_id, follow=False)
        if other is None or other.erased or other.merged_into is not None:
            continue
        if other.id != survivor.id:
            other.merge_into(survivor)
            await uow.residents.save(other)


async def _observed_before_erasure(uow: UnitOfWork, record: IncomingRecord) -> bool:
    """Whether a contact point of ``record`` was erased at or after the record was
    observed (without ``observed_at``: now). A record with no contact point, or
    observed after the erasure (the person came back), is matched as any other.

    Asked only of a record that links to no one: one the engine links to a resident
    still here is theirs (a household's landline is on several residents' records,
    and erasing one of them must not lose the others' records); one that would go to
    an officer or make a new resident is the erased person's, and changes nothing."""
    erased_at = await uow.suppressions.last_erased(record.contacts)
    if erased_at is None:
        return False
    return (record.observed_at or uow.clock()) <= erased_at


async def match_record(
    record: IncomingRecord, uow: UnitOfWork, matcher: Matcher, thresholds: Thresholds
) -> MatchResult:
    async with uow:
        owner = await uow.residents.identifier_owner(record.system, record.reference)
        if owner is not None:  # seen before: idempotent
            return MatchResult("linked", (await _get(uow, owner)).id)
        waiting = await uow.reviews.open_for(record.system, record.reference)
        if waiting is not None:  # an officer has still to decide: the same question
            evidence = tuple(FieldEvidence(**e) for e in waiting.evidence)
            return MatchResult("review", None, waiting.id, waiting.probability, evidence)
        # refuse a malformed record before anything is written
        source_of(record, None, uow.clock().date())
        candidates = await matcher.candidates(record, uow)
        best = candidates[0] if candidates else None
        if best is not None and best.probability >= thresholds.link:
            resident = await _get(uow, best.resident_id)
            link = Link(uuid.uuid4(), resident.id, record.system, record.reference, "matcher",
                        best.probability, _evidence(best.evidence), uow.clock())  # fmt: skip
            await _link(uow, resident, record, link)
            await _merge_bridged(uow, resident, best.same_person)
            result = MatchResult("linked", resident.id, None, best.probability, best.evidence)
        elif await _observed_before_erasure(uow, record):  # see the function's doc
            log.info("record_match_erased", system=record.system)
            return MatchResult("erased")
        elif best is not None and best.probability >= thresholds.review:
            item = ReviewItem(uuid.uuid4(), record.to_json(), best.resident_id, best.probability,
                              _evidence(best.evidence))  # fmt: skip
            await uow.reviews.add(item)
            result = MatchResult("review", None, item.id, best.probability, best.evidence)
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
        if item.kind == DUPLICATE:
            return await _decide_duplicate(uow, item, command.accept)
        record = IncomingRecord.from_json(item.record)
        evidence = tuple(FieldEvidence(**e) for e in item.evidence)
        if command.accept:
            resident = await _get(uow, item.resident_id)
            link = Link(uuid.uuid4(), resident.id, record.system, record.reference, "officer",
                        item.probability, item.evidence, clock(), command.officer_id,
                        item.id)  # fmt: skip
            await _link(uow, resident, record, link)
        else:
            resident = await _create(uow, record)
            item.created_resident_id = resident.id
        await uow.reviews.save(item)
        await uow.commit()
    if not command.accept:
        return MatchResult("created", resident.id)
    return MatchResult("linked", resident.id, None, item.probability, evidence)


async def settle_review(
    command: commands.SettleReview, uow: UnitOfWork, matcher: Matcher, thresholds: Thresholds
) -> MatchResult | None:
    """A record waiting for an officer, matched again against the residents as they are
    now (later records may have brought the address, the date of birth or the phone that
    decides it, or merged the residents it was split between). Where the engine is now
    sure of the answer to the question the item asks, it does what `match_record` would
    do with the record: links it to the resident proposed (or the one it was merged
    into), or, with no resident near enough to ask about, creates one. Otherwise the item
    waits, unchanged, and the answer is None: a record still in the grey zone, one the
    engine would now link to another resident (a new question, and an officer's), one
    that fitted two people it could not tell apart, and one seen before an erasure of
    its contacts, which only an officer can place."""
    async with uow:
        item = await uow.reviews.get(command.review_id)
        if item is None or item.status != "open" or item.kind != RECORD:
            return None
        if item.probability == AMBIGUOUS_POSTERIOR:  # which of two people: an officer's
            return None
        record = IncomingRecord.from_json(item.record)
        candidates = await matcher.candidates(record, uow)
        best = candidates[0] if candidates else None
        now = uow.clock()
        proposed = await uow.residents.get(item.resident_id)  # or who it merged into
        if (
            best is not None
            and best.probability >= thresholds.link
            and proposed is not None
            and best.resident_id == proposed.id
        ):
            resident = proposed
            evidence = _evidence(best.evidence)
            link = Link(uuid.uuid4(), resident.id, record.system, record.reference, "matcher",
                        best.probability, evidence, now, None, item.id)  # fmt: skip
            await _link(uow, resident, record, link)
            await _merge_bridged(uow, resident, best.same_person)
            item.settle(now, linked=(resident.id, best.probability, evidence))
            result = MatchResult("linked", resident.id, None, best.probability, best.evidence)
        elif best is not None and best.probability >= thresholds.review:
            return None  # still a question
        elif await _observed_before_erasure(uow, record):  # only an officer can place it
            return None
        else:
            resident = await _create(uow, record)
            item.settle(now, created=resident.id)
            result = MatchResult("created", resident.id)
        await uow.reviews.save(item)
        await uow.commit()
    return result


async def _decide_duplicate(uow: UnitOfWork, item: ReviewItem, accept: bool) -> MatchResult:
    """Inside ``decide_review``'s transaction: accepted, the other resident merges into
    the item's as ``MergeResidents`` would merge it; rejected, the item itself is the
    memory that the two are two people (``ReviewRepository.duplicate_pairs``)."""
    assert item.other_resident_id is not None
    if accept:
        await _merge(uow, commands.MergeResidents(item.resident_id, item.other_resident_id))
    await uow.reviews.save(item)
    await uow.commit()
    evidence = tuple(FieldEvidence(**e) for e in item.evidence)
    outcome: Literal["merged", "separate"] = "merged" if accept else "separate"
    return MatchResult(outcome, item.resident_id, None, item.probability, evidence)


async def ask_about_duplicate(
    command: commands.AskAboutDuplicate, uow: UnitOfWork
) -> uuid.UUID | None:
    """A duplicate review item, unless the pair already has one waiting or rejected, or
    either resident has gone (merged or erased since the pass read them): its id, or
    None when nothing was opened."""
    async with uow:
        for resident_id in (command.survivor_id, command.other_id):
            resident = await uow.residents.get(resident_id, follow=False)
            if resident is None or resident.erased or resident.merged_into is not None:
                return None
        if await uow.reviews.duplicate_pair(command.survivor_id, command.other_id):
            return None
        item = ReviewItem(uuid.uuid4(), command.record, command.survivor_id, command.probability,
                          list(command.evidence), kind=DUPLICATE,
                          other_resident_id=command.other_id)  # fmt: skip
        await uow.reviews.add(item)
        await uow.commit()
    return item.id


async def merge_residents(command: commands.MergeResidents, uow: UnitOfWork) -> None:
    async with uow:
        await _merge(uow, command)
        await uow.commit()


async def _merge(uow: UnitOfWork, command: commands.MergeResidents) -> None:
    survivor = await _get(uow, command.survivor_id, follow=False)
    merged = await _get(uow, command.merged_id, follow=False)
    merged.merge_into(survivor)
    await uow.residents.save(merged)


async def unmerge_residents(command: commands.UnmergeResidents, uow: UnitOfWork) -> None:
    async with uow:
        merged = await _get(uow, command.merged_id, follow=False)
        merged.unmerge_from(command.survivor_id)
        await uow.residents.save(merged)
        await uow.commit()
