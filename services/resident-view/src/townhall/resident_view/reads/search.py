"""Read side of search: candidates from the search terms (an index look-up per field
given), folded into the residents they were merged into, then ranked.

A case reference finds the residents whose timeline entries carry it, and only through
entries the officer may see: the policy's condition is part of that query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import merges, residents, search_terms
from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.resident_view.reads.policy import Visibility
from townhall.resident_view.reads.ranking import MIN_SCORE, Criteria, Score, score
from townhall.resident_view.residents import search_keys as keys
from townhall.resident_view.residents.record import ResidentRecord, identifier_term

#: At most this many candidates per field: a common surname must not read everyone.
CANDIDATES_PER_FIELD = 300


@dataclass(frozen=True)
class Found:
    resident_id: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    postcode: str | None
    score: float
    matched_on: tuple[str, ...]


def _lookups(criteria: Criteria) -> list[tuple[str, list[str]]]:
    """(kind, terms) to look up for each field given."""
    found: list[tuple[str, list[str]]] = []
    if criteria.name:
        found.append((keys.NAME, sorted(keys.name_terms(criteria.name))))
    if dob := criteria.date_of_birth:
        swapped = _swapped(dob)
        found.append((keys.DOB, [dob.isoformat(), *([swapped.isoformat()] if swapped else [])]))
    if postcode := criteria.postcode:
        found.append(
            (keys.POSTCODE, [postcode]) if " " in postcode else (keys.DISTRICT, [postcode])
        )
    for kind, value in (
        (keys.UPRN, criteria.uprn),
        (keys.EMAIL, criteria.email),
        (keys.PHONE, criteria.phone),
        (keys.IDENTIFIER, identifier_term(criteria.identifier) if criteria.identifier else None),
    ):
        if value:
            found.append((kind, [value]))
    return found


def _swapped(moment: date) -> date | None:
    try:
        swapped = date(moment.year, moment.day, moment.month)
    except ValueError:
        return None
    return swapped if swapped != moment else None


async def _term_hits(
    session: AsyncSession, generation: int, kind: str, terms: list[str]
) -> list[str]:
    hits = func.count().label("hits")
    query = (
        select(search_terms.c.resident_id, hits)
        .where(search_terms.c.generation == generation)
        .where(search_terms.c.kind == kind)
        .where(search_terms.c.term.in_(terms))
        .group_by(search_terms.c.resident_id)
        .order_by(hits.desc(), search_terms.c.resident_id)
        .limit(CANDIDATES_PER_FIELD)
    )
    return list((await session.execute(query)).scalars())


async def _case_residents(
    session: AsyncSession, generation: int, reference: str, seen: Visibility
) -> set[str]:
    query = (
        select(t.c.resident_id)
        .distinct()
        .where(t.c.generation == generation)
        .where(t.c.case_reference == reference)
        .where(seen.any)
        .limit(CANDIDATES_PER_FIELD)
    )
    return set((await session.execute(query)).scalars())


async def _survivors(session: AsyncSession, generation: int, ids: set[str]) -> dict[str, str]:
    """Each candidate → the resident it is merged into (itself when not merged)."""
    query = (
        select(merges.c.merged_id, merges.c.survivor_id)
        .where(merges.c.generation == generation)
        .where(merges.c.merged_id.in_(ids))
    )
    merged = {row.merged_id: row.survivor_id for row in await session.execute(query)}
    return {i: merged.get(i, i) for i in ids}


async def _members(
    session: AsyncSession, generation: int, survivors: Iterable[str]
) -> dict[str, list[str]]:
    """Each survivor → itself and everyone merged into it."""
    members: dict[str, list[str]] = {s: [s] for s in survivors}
    query = (
        select(merges.c.survivor_id, merges.c.merged_id)
        .where(merges.c.generation == generation)
        .where(merges.c.survivor_id.in_(list(members)))
        .order_by(merges.c.merged_id)
    )
    for row in await session.execute(query):
        members[row.survivor_id].append(row.merged_id)
    return members


async def _records(
    session: AsyncSession, generation: int, ids: Iterable[str]
) -> dict[str, ResidentRecord]:
    query = (
        select(residents)
        .where(residents.c.generation == generation)
        .where(residents.c.resident_id.in_(list(ids)))
    )
    rows = (await session.execute(query)).mappings().all()
    return {row["resident_id"]: ResidentRecord.from_row(row) for row in rows}


def _shown(survivor: str, found: list[ResidentRecord], ranked: Score) -> Found:
    own = next((r for r in found if r.resident_id == survivor), found[0] if found else None)
    name = own.names[0] if own and own.names else None
    return Found(
        resident_id=survivor,
        given_name=name.given if name else None,
        family_name=name.family if name else None,
        date_of_birth=own.date_of_birth if own else None,
        postcode=own.addresses[0][0] if own and own.addresses else None,
        score=ranked.value,
        matched_on=ranked.reasons,
    )


async def search(
    session: AsyncSession, generation: int, criteria: Criteria, seen: Visibility, limit: int
) -> list[Found]:
    """The residents answering ``criteria`` best, best first, at most ``limit``."""
    candidates: set[str] = set()
    for kind, terms in _lookups(criteria):
        candidates.update(await _term_hits(session, generation, kind, terms))
    by_case: set[str] = set()
    if criteria.case_reference:
        by_case = await _case_residents(session, generation, criteria.case_reference, seen)
    survivors = await _survivors(session, generation, candidates | by_case)
    case_hits = {survivors[i] for i in by_case}
    members = await _members(session, generation, set(survivors.values()))
    records = await _records(session, generation, {m for ms in members.values() for m in ms})
    found = []
    for survivor, ids in members.items():
        theirs = [records[i] for i in ids if i in records]
        ranked = score(criteria, survivor, theirs, survivor in case_hits)
        if ranked.value >= MIN_SCORE:
            found.append(_shown(survivor, theirs, ranked))
    found.sort(key=lambda f: (-f.score, f.family_name or "", f.given_name or "", f.resident_id))
    return found[:limit]
