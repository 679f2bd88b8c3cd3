"""The synthetic town: addresses, households, twins, namesakes; and small perturbations."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count

from townhall.identity.linkage.record import Record
from townhall.identity.linkage.synthetic_names import FEMALE, MALE, STREETS, SURNAMES, TOWNS
from townhall.runtime.names import GROUPS as _GROUPS

HARD_CASES = (
    "typo", "household", "twins", "father_son", "mover", "marriage", "nickname",
    "postcode_variant", "common_name",
)  # fmt: skip
NAMESAKES = (("John", "Smith"), ("David", "Jones"), ("Sarah", "Williams"), ("Mary", "Evans"))
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True, slots=True)
class Address:
    house_number: str
    street: str
    postcode: str
    town: str
    uprn: str


@dataclass(frozen=True, slots=True)
class Query:
    record: Record
    case: str
    person: str | None  # the true person, or None when they are not in the population


@dataclass
class Council:
    population: list[Record] = field(default_factory=list)
    person_of: dict[str, str] = field(default_factory=dict)  # resident id -> person
    queries: list[Query] = field(default_factory=list)


class Town:
    """Hands out addresses and people; remembers the hard pairs it created."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._ids = count(1)
        self._serial = count(1)
        self.households: list[list[Record]] = []
        self.twins: list[tuple[Record, Record]] = []
        self.father_son: list[tuple[Record, Record]] = []
        self.namesakes: list[Record] = []
        self._weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(SURNAMES))]

    def next_id(self) -> str:
        return f"R{next(self._ids):07d}"

    def new_address(self, town: int | None = None) -> Address:
        n = next(self._serial)
        town_index = self.rng.randrange(len(TOWNS)) if town is None else town
        district = town_index * 4 + self.rng.randrange(1, 5)
        street = self.rng.choice(STREETS)
        unit = "".join(self.rng.choice(_UNIT_LETTERS) for _ in range(2))
        postcode = f"ZX{district} {self.rng.randrange(1, 10)}{unit}"
        number = str(self.rng.randrange(1, 180))
        return Address(number, street.title(), postcode, TOWNS[town_index].title(), f"{n:012d}")

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, weights=self._weights)[0].title()

    def given(self, male: bool) -> str:
        return self.rng.choice(MALE if male else FEMALE).title()

    def person(self, given: str, family: str, born: date, at: Address, adult: bool) -> Record:
        serial = next(self._serial)
        email = f"{given}.{family}.{serial}@example.invalid".lower() if adult else None
        use_phone = adult and self.rng.random() < 0.6
        phone = f"07700 9{serial % 100000:05d}" if use_phone else None
        return Record(
            given_name=given, family_name=family, resident_id=self.next_id(),
            date_of_birth=born, postcode=at.postcode, house_number=at.house_number,
            address_line=at.street, town=at.town, uprn=at.uprn,
            email=email if self.rng.random() < 0.7 else None, phone=phone,
        )  # fmt: skip

    def household(self) -> list[Record]:
        at, family, rng = self.new_address(), self.surname(), self.rng
        members = [self.person(self.given(True), family, birthday(rng, 25, 80), at, True)]
        if rng.random() < 0.6:
            members.append(self.person(self.given(False), family, birthday(rng, 25, 80), at, True))
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            male = rng.random() < 0.5
            members.append(self.person(self.given(male), family, birthday(rng, 1, 17), at, False))
        if rng.random() < 0.08:
            self._add_twins(members, at, family)
        if rng.random() < 0.08:
            self._add_junior(members, at)
        self.households.append(members)
        return members

    def make_namesakes(self, each: int = 10) -> list[Record]:
        for given, family in NAMESAKES:
            for _ in range(each):
                born = birthday(self.rng, 20, 85)
                self.namesakes.append(self.person(given, family, born, self.new_address(0), True))
        return self.namesakes

    def _add_twins(self, members: list[Record], at: Address, family: str) -> None:
        born = birthday(self.rng, 1, 40)
        first = self.person(self.given(True), family, born, at, born.year < 2007)
        second_name = self.given(self.rng.random() < 0.5)
        while second_name == first.given_name:
            second_name = self.given(False)
        second = self.person(second_name, family, born, at, born.year < 2007)
        members += [first, second]
        self.twins.append((first, second))

    def _add_junior(self, members: list[Record], at: Address) -> None:
        father = members[0]
        son = self.person(
            father.given_name or "", father.family_name, birthday(self.rng, 18, 24), at, True
        )
        members.append(son)
        self.father_son.append((father, son))


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.7:
        return word[:i] + word[i + 1 :]
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


def nickname(rng: random.Random, given: str) -> str:
    variants = _GROUPS.get(given.lower())
    return rng.choice(variants).title() if variants else given


def postcode_variant(rng: random.Random, postcode: str, force: bool = False) -> str:
    roll = rng.random() * (0.6 if force else 1.0)
    if roll < 0.3:
        return postcode.replace(" ", "")
    if roll < 0.5:
        return postcode.lower()
    if roll < 0.6:
        return postcode[:-1] + rng.choice(_UNIT_LETTERS)
    return postcode


def birthday(rng: random.Random, youngest: int, oldest: int) -> date:
    return date(2025, 1, 1) - timedelta(days=rng.randint(youngest * 365, oldest * 365))
