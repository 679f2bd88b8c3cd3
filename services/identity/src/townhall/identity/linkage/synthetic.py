"""A seeded generator of council-shaped, obviously fake resident records with ground truth.

Postcodes use the non-existent ZX area, email addresses example.invalid, phones the
07700 9xxxxx drama range. `generate()` returns a population (with a few legacy
duplicates, as a council's systems have) and queries grouped by hard case.
"""

from __future__ import annotations

import random
from dataclasses import replace

from townhall.identity.linkage.record import Record
from townhall.identity.linkage.synthetic_cases import add_queries
from townhall.identity.linkage.synthetic_people import (
    HARD_CASES,
    Council,
    Query,
    Town,
    nickname,
    postcode_variant,
    typo,
)

__all__ = ["HARD_CASES", "Council", "Query", "generate", "legacy_copy"]


def generate(households: int = 400, seed: int = 7, queries_per_case: int = 30) -> Council:
    """Deterministic for a given seed: the same arguments give the same council."""
    rng = random.Random(seed)
    town = Town(rng)
    council = Council()
    people = [r for _ in range(households) for r in town.household()]
    people += town.make_namesakes()
    for record in people:
        council.population.append(record)
        council.person_of[_id(record)] = _id(record)
    for record in people:
        if rng.random() < 0.08:
            duplicate = replace(legacy_copy(town, record), resident_id=town.next_id())
            council.population.append(duplicate)
            council.person_of[_id(duplicate)] = _id(record)
    add_queries(council, town, rng, queries_per_case)
    return council


def legacy_copy(town: Town, record: Record) -> Record:
    """The same person as another system holds them: gaps, an old address, a typo."""
    rng = town.rng
    changed = replace(
        record,
        resident_id=None,
        email=record.email if rng.random() < 0.5 else None,
        phone=record.phone if rng.random() < 0.5 else None,
        uprn=record.uprn if rng.random() < 0.6 else None,
        postcode=postcode_variant(rng, record.postcode) if record.postcode else None,
    )
    if rng.random() < 0.2:
        changed = _moved(town, changed)
    if rng.random() < 0.08 and record.date_of_birth:
        born = record.date_of_birth
        day = born.day % 9 + 1 if born.day != born.day % 9 + 1 else born.day % 9 + 2
        changed = replace(changed, date_of_birth=born.replace(day=day))
    roll = rng.random()
    if roll < 0.2:
        return replace(changed, given_name=typo(rng, record.given_name or ""))
    if roll < 0.35:
        return replace(changed, family_name=typo(rng, record.family_name))
    if roll < 0.5:
        return replace(changed, given_name=nickname(rng, record.given_name or ""))
    if roll < 0.55:
        married = town.surname()
        return replace(changed, family_name=married, former_family_names=(record.family_name,))
    return changed


def _moved(town: Town, record: Record) -> Record:
    at = town.new_address()
    return replace(
        record, postcode=at.postcode, house_number=at.house_number,
        address_line=at.street, town=at.town, uprn=None,
    )  # fmt: skip


def _id(record: Record) -> str:
    assert record.resident_id is not None
    return record.resident_id
