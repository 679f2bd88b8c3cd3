"""Queries for each hard case, each with its true person (or None for a new person)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from townhall.identity.linkage.record import Record
from townhall.identity.linkage.synthetic_people import (
    Council,
    Query,
    Town,
    birthday,
    nickname,
    postcode_variant,
    typo,
)
from townhall.runtime.names import GROUPS as _GROUPS

CaseMaker = Callable[[Town, random.Random, int], tuple[Record, Record | None]]


def add_queries(council: Council, town: Town, rng: random.Random, per_case: int) -> None:
    for case, maker in _CASES.items():
        for i in range(per_case):
            query, truth = maker(town, rng, i)
            person = council.person_of[truth.resident_id or ""] if truth else None
            council.queries.append(Query(replace(query, resident_id=None), case, person))


def light(rng: random.Random, record: Record) -> Record:
    """What an incoming row often looks like: some contact points missing."""
    return replace(
        record,
        email=record.email if rng.random() < 0.5 else None,
        phone=record.phone if rng.random() < 0.5 else None,
        uprn=record.uprn if rng.random() < 0.5 else None,
        postcode=postcode_variant(rng, record.postcode) if record.postcode else None,
    )


def _adults(town: Town) -> list[Record]:
    return [h[0] for h in town.households]


def _typo(town: Town, rng: random.Random, i: int) -> tuple[Record, Record | None]:
    person = rng.choice(_adults(town))
    if i % 2:
        return replace(light(rng, person), family_name=typo(rng, person.family_name)), person
    return replace(light(rng, person), given_name=typo(rng, person.given_name or "")), person


def _household(town: Town, rng: random.Random, i: int) -> tuple[Record, Record | None]:
    home = rng.choice([h for h in town.households if len(h) > 1])
    if i % 2:
        return light(rng, home[-1]), home[-1]
    head, taken = home[0], {member.given_name for member in home}
    given = town.given(rng.random() < 0.5)
    while given in taken:
        given = town.given(rng.random() < 0.5)
    newcomer = replace(
        head, given_name=given, date_of_birth=birthday(rng, 0, 1),
        email=None, phone=None,
    )  # fmt: skip
    return newcomer, None


def _twins(town: Town, rng: random.Random, i: int) -> tuple[Record, Record | None]:
    first, second = town.twins[i % len(town.twins)]
    if i % 2:
        return light(rng, second), second
    names = {first.given_name, second.given_name}
    unseen = town.given(rng.random() < 0.5)
    while unseen in names:
        unseen = town.given(rng.random() < 0.5)
    return replace(light(rng, first), given_name=unseen, email=None, phone=None), None


def _father_son(town: Town, rng: random.Random, i: int) -> tuple[Record, Record | None]:
    father, son = town.father_son[i % len(town.father_son)]
    if i % 3 == 0:
        return light(rng, son), son
    if i % 3 == 1:
        return light(rng, father), father
    grandson = replace(son, date_of_birth=birthday(rng, 0, 2), email=None, phone=None)
    return grandson, None


def _mover(town: Town, rng: random.Random, i: int) -> tuple[Record, Record | None]:
    person = rng.choice(_adults(town))
    at = town.new_address()
    moved = replace(
        person, postcode=at.postcode, house_number=at.house_number, address_line=at.street,
        town=at.town, uprn=at.uprn if rng.random() < 0.5 else None,
        email=person.email if rng.random() < 0.6 else None,
        phone=person.phone if rng.random() < 0.4 else None,
    )  # fmt: skip
    return moved, person


def _marriage(town: Town, rng: random.Random, i: int) -> tuple[Record, Record | None]:
    wives = [h[1] for h in town.households if len(h) > 1 and h[1].email is not None]
    person = rng.choice(wives)
    married = replace(
        light(rng, person), family_name=town.surname(),
        former_family_names=(person.family_name,),
    )  # fmt: skip
    return married, person


def _nickname(town: Town, rng: random.Random, i: int) -> tuple[Record, Record | None]:
    known = [r for h in town.households for r in h if (r.given_name or "").lower() in _GROUPS]
    person = rng.choice(known)
    return replace(light(rng, person), given_name=nickname(rng, person.given_name or "")), person


def _postcode(town: Town, rng: random.Random, i: int) -> tuple[Record, Record | None]:
    person = rng.choice(_adults(town))
    variant = postcode_variant(rng, person.postcode or "", force=True)
    return replace(light(rng, person), postcode=variant, uprn=None), person


def _common(town: Town, rng: random.Random, i: int) -> tuple[Record, Record | None]:
    if i % 2:
        person = rng.choice(town.namesakes)
        return light(rng, person), person
    template = rng.choice(town.namesakes)
    at = town.new_address(0)
    stranger = replace(
        template, date_of_birth=birthday(rng, 20, 85), postcode=at.postcode,
        house_number=at.house_number, address_line=at.street, uprn=at.uprn,
        email=None, phone=None,
    )  # fmt: skip
    return stranger, None


_CASES: dict[str, CaseMaker] = {
    "typo": _typo,
    "household": _household,
    "twins": _twins,
    "father_son": _father_son,
    "mover": _mover,
    "marriage": _marriage,
    "nickname": _nickname,
    "postcode_variant": _postcode,
    "common_name": _common,
}
