"""The true people of a seeded synthetic council: households, life events, ground truth.

Everything is obviously fake: ZX postcodes, example.invalid emails, Ofcom's drama phone
ranges (07700 900xxx and the 01632 960xxx / 0113 496 0xxx ... landlines), QQ National
Insurance numbers (the prefix HMRC never issues).

Honesty of the generator. The kinds of household and their shares follow the shape of
English households (ONS: about 30% one person, 25% couples, 30% families, the rest
sharers, multi-generational and adult siblings); movers (about a quarter of households
move in a 14-year window), in-window marriages with a change of surname, middle names,
nicknames and titles are set from how people live, never from what the matcher finds
easy. Two structures are ENRICHED so that they can be measured at all, and this is said
wherever they are reported: twins (about 6% of families, against about 3% of births
in life), fathers and sons of one name living together (30% of families with a son
over 18, where life has a few percent), and explicit namesakes (a person whose given
and family name copy someone's in another household, 2% of households).
Enrichment makes a benchmark harder, never easier.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count

from townhall.identity.linkage.synthetic_names import FEMALE, MALE, STREETS, SURNAMES, TOWNS
from townhall.runtime.names import GROUPS

WINDOW_START = date(2012, 1, 1)
WINDOW_END = date(2025, 6, 30)
_UNITS = "ABDEFGHJLNPQRSTUWXYZ"
_HOUSE_NAMES = ("Rose Cottage", "The Laurels", "Ivy House", "Oak Lodge", "Fairview",
                "Orchard House", "The Old Forge", "Hillcrest")  # fmt: skip
_BLOCKS = ("Rowan Court", "Victoria House", "Mill Court", "Kingfisher House", "Elm Court")
#: Ofcom's ranges kept for drama: each gives 1,000 numbers (prefix + three digits).
_DRAMA = ("07700 900", "01632 960", "0113 496 0", "0114 496 0", "0115 496 0",
          "0116 496 0", "0117 496 0", "0118 496 0", "0121 496 0", "0131 496 0",
          "0141 496 0", "0151 496 0", "0161 496 0", "0191 498 0", "020 7946 0",
          "029 2018 0")  # fmt: skip
_NICKNAMES: dict[str, tuple[str, ...]] = dict(GROUPS)


@dataclass(frozen=True, slots=True)
class Address:
    uprn: str
    number: str
    street: str
    town: str
    postcode: str
    flat: str | None = None  # "2" of "Flat 2"
    building: str | None = None  # a house name, or the block a flat is in


@dataclass
class Person:
    pid: str
    male: bool
    given: str
    middle: str | None
    born: date
    names: list[tuple[date, str]]  # (from, family name), oldest first
    homes: list[tuple[date, Address]]  # (from, address), oldest first
    households: list[int] = field(default_factory=list)
    suffix: str | None = None  # "Jr" / "Sr" where a father and son share a name
    nickname: str | None = None  # the name they give when they speak for themselves
    ni: str | None = None
    phone: str | None = None
    email: str | None = None
    married_female: bool = False

    @property
    def family(self) -> str:
        return self.names[-1][1]

    def family_at(self, when: date) -> str:
        return [name for start, name in self.names if start <= when][-1]

    def home_at(self, when: date) -> Address:
        return [home for start, home in self.homes if start <= when][-1]

    def title_at(self, when: date) -> str:
        if self.male:
            return "Mr"
        if self.married_female and when >= self.names[-1][0]:
            return "Mrs"
        return "Ms" if self.pid[-1] in "05" and self.age_at(when) >= 18 else "Miss"

    def age_at(self, when: date) -> int:
        return (when - self.born).days // 365


@dataclass
class Household:
    hid: int
    kind: str
    members: list[str]
    moves: list[tuple[date, Address]]  # (from, address) of the household as a whole
    landline: str | None = None
    shared_email: str | None = None


@dataclass
class Council:
    people: dict[str, Person] = field(default_factory=dict)
    households: list[Household] = field(default_factory=list)
    twins: set[frozenset[str]] = field(default_factory=set)
    jr_sr: set[frozenset[str]] = field(default_factory=set)


class _Maker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._serial = count(1)
        self._phones = (f"{prefix}{n:03d}" for n in range(1000) for prefix in _DRAMA)
        self._weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(SURNAMES))]
        self.council = Council()

    def address(self) -> Address:
        rng, n = self.rng, next(self._serial)
        town = rng.randrange(len(TOWNS))
        postcode = f"ZX{town * 4 + rng.randrange(1, 5)} {rng.randrange(1, 10)}"
        postcode += "".join(rng.choice(_UNITS) for _ in range(2))
        street, number = rng.choice(STREETS).title(), str(rng.randrange(1, 180))
        roll = rng.random()
        flat = building = None
        if roll < 0.25:  # about a fifth of English homes are flats
            flat, building = str(rng.randrange(1, 30)), rng.choice(_BLOCKS)
        elif roll < 0.30:
            building = rng.choice(_HOUSE_NAMES)
        return Address(f"{100000000 + n:012d}", number, street, TOWNS[town].title(), postcode,
                       flat, building)  # fmt: skip

    def phone(self) -> str | None:
        return next(self._phones, None)

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, weights=self._weights)[0].title()

    def given(self, male: bool) -> str:
        return self.rng.choice(MALE if male else FEMALE).title()

    def born(self, youngest: int, oldest: int) -> date:
        days = self.rng.randint(youngest * 365, oldest * 365 + 364)
        return WINDOW_END - timedelta(days=days)

    def person(self, male: bool, family: str, born: date, given: str | None = None) -> Person:
        rng, serial = self.rng, next(self._serial)
        name = given or self.given(male)
        variants = _NICKNAMES.get(name.lower())
        adult = (WINDOW_END - born).days >= 16 * 365
        person = Person(
            pid=f"P{len(self.council.people) + 1:06d}", male=male, given=name,
            middle=self.given(male) if rng.random() < 0.35 else None, born=born,
            names=[(date.min, family)], homes=[],
            nickname=rng.choice(variants).title() if variants and rng.random() < 0.5 else None,
            ni=f"QQ{rng.randrange(10**6):06d}{rng.choice('ABCD')}" if adult else None,
            phone=self.phone() if adult and rng.random() < 0.8 else None,
            email=f"{name}.{family}.{serial}@example.invalid".lower()
            if adult and rng.random() < 0.6 else None,
        )  # fmt: skip
        self.council.people[person.pid] = person
        return person


def make_council(households: int, seed: int) -> Council:
    """A council of about 2.3 people a household; the same seed gives the same council."""
    maker = _Maker(random.Random(seed))
    kinds = ("single", "couple", "family", "lone_parent", "sharers", "multigen", "siblings")
    weights = (0.28, 0.25, 0.24, 0.07, 0.07, 0.05, 0.04)
    for hid in range(households):
        kind = maker.rng.choices(kinds, weights)[0]
        _household(maker, hid, kind)
    for hid in range(households, households + max(1, households // 50)):
        _namesake(maker, hid)
    return maker.council


def _household(maker: _Maker, hid: int, kind: str) -> None:
    rng = maker.rng
    family = maker.surname()
    members: list[Person] = []
    couple_married_in_window = False
    if kind in ("single", "sharers"):
        for _ in range(1 if kind == "single" else rng.choice((2, 2, 3, 4))):
            members.append(maker.person(rng.random() < 0.5, maker.surname(), maker.born(18, 85)))
    elif kind == "siblings":
        for _ in range(rng.choice((2, 2, 3))):
            members.append(maker.person(rng.random() < 0.5, family, maker.born(20, 70)))
    else:
        older = 65 if kind == "multigen" else 85
        male_head = kind != "lone_parent" or rng.random() < 0.25
        head = maker.person(male_head, family, maker.born(24, older))
        members.append(head)
        if kind != "lone_parent":
            wife = maker.person(False, family, head.born + timedelta(rng.randint(-2000, 2500)))
            wife.married_female = True
            if rng.random() < 0.3 and kind in ("couple", "family"):
                couple_married_in_window = True
                wife.names = [(date.min, maker.surname()), (_in_window(rng), family)]
            members.append(wife)
        if kind != "couple":
            older_parent = min(m.born for m in members)
            kids: list[Person] = []
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                kid_born = older_parent + timedelta(days=rng.randint(20 * 365, 40 * 365))
                if kid_born < WINDOW_END - timedelta(days=365):
                    kids.append(maker.person(rng.random() < 0.5, family, kid_born))
            members += kids
            if kids and rng.random() < 0.06:
                _twins(maker, members, kids[-1], family)
            if head.male and any(_adult_son(m) for m in members[1:]) and rng.random() < 0.3:
                _junior(maker, members, head, family)
            if kind == "multigen":
                members.append(maker.person(rng.random() < 0.3, family, maker.born(70, 95)))
    moves = [(date.min, maker.address())]
    while rng.random() < (0.25 if len(moves) == 1 else 0.3):
        moves.append((_in_window(rng, after=moves[-1][0]), maker.address()))
    house = Household(hid, kind, [m.pid for m in members], moves)
    if rng.random() < 0.3:
        house.landline = maker.phone()
    if rng.random() < 0.3 and len(members) > 1:
        house.shared_email = f"the{family}s.{hid}@example.invalid".lower()
    for member in members:
        member.homes = list(moves)
        member.households.append(hid)
    if couple_married_in_window:  # before the wedding she lived at her own address
        wife, married_on = members[1], members[1].names[-1][0]
        own = maker.address()
        wife.homes = [(date.min, own)] + [(max(start, married_on), a) for start, a in moves]
        wife.homes = _tidy(wife.homes)
    maker.council.households.append(house)


def _adult_son(person: Person) -> bool:
    return person.male and person.age_at(WINDOW_START) >= 16


def _twins(maker: _Maker, members: list[Person], first: Person, family: str) -> None:
    male = maker.rng.random() < 0.5
    name = maker.given(male)
    while name == first.given:
        name = maker.given(male)
    twin = maker.person(male, family, first.born, given=name)
    members.append(twin)
    maker.council.twins.add(frozenset((first.pid, twin.pid)))


def _junior(maker: _Maker, members: list[Person], head: Person, family: str) -> None:
    son = next(m for m in members[1:] if _adult_son(m))
    son.given, son.suffix, head.suffix = head.given, "Jr", "Sr"
    son.nickname = head.nickname
    if son.email:
        son.email = f"{son.given}.{family}.jr.{son.pid}@example.invalid".lower()
    maker.council.jr_sr.add(frozenset((head.pid, son.pid)))


def _namesake(maker: _Maker, hid: int) -> None:
    """A one-person household whose name copies an adult's elsewhere (not their age)."""
    people = [p for p in maker.council.people.values() if p.age_at(WINDOW_START) >= 18]
    model = maker.rng.choice(people)
    twin_name = maker.person(model.male, model.family, maker.born(18, 85), given=model.given)
    address = maker.address()
    twin_name.homes = [(date.min, address)]
    twin_name.households.append(hid)
    maker.council.households.append(Household(hid, "namesake", [twin_name.pid],
                                              [(date.min, address)]))  # fmt: skip


def _in_window(rng: random.Random, after: date = date.min) -> date:
    start = max(WINDOW_START, after + timedelta(days=200))
    span = (WINDOW_END - start).days
    return start + timedelta(days=rng.randrange(max(span, 1)))


def _tidy(homes: list[tuple[date, Address]]) -> list[tuple[date, Address]]:
    """Drop homes superseded before they began (same start date: keep the last)."""
    tidy: list[tuple[date, Address]] = []
    for start, home in sorted(homes, key=lambda pair: pair[0]):
        if tidy and tidy[-1][0] == start:
            tidy[-1] = (start, home)
        else:
            tidy.append((start, home))
    return tidy


def same_household(council: Council, a: str, b: str) -> bool:
    return bool(set(council.people[a].households) & set(council.people[b].households))


def namesakes(council: Council, a: str, b: str) -> bool:
    """Different households, same given name and a family name in common."""
    pa, pb = council.people[a], council.people[b]
    return (
        pa.given == pb.given
        and not same_household(council, a, b)
        and bool({n for _, n in pa.names} & {n for _, n in pb.names})
    )
