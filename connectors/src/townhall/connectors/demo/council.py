"""A synthetic council as two legacy systems hold it (obviously fake, seeded).

Households of one to four people at made-up addresses in made-up postcodes; council tax
keeps one account per household, its holder named the way such systems do (``MR J
SMITH``, a joint ``MR J & MRS A SMITH``, an initial, no date of birth); the waste service
keeps customers as they rang in (forenames and surname, a phone, sometimes an email) and
their reports. The demo residents identity seeds (Ada Example and others) are among the
waste customers, with their emails, so their reports reach their timelines.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

GIVEN = {
    "f": ("Ada", "Bethan", "Carys", "Delyth", "Eira", "Ffion", "Gwen", "Hana", "Iris", "Jane",
          "Kate", "Lowri", "Mair", "Nia", "Olwen", "Rhian", "Sian", "Tegan", "Zara", "Amy"),
    "m": ("Aled", "Bryn", "Cai", "Dafydd", "Emrys", "Gareth", "Huw", "Ieuan", "John", "Kyle",
          "Llyr", "Macsen", "Owain", "Rhodri", "Steffan", "Tomos", "Wyn", "Yusuf", "Dai", "Tom"),
}  # fmt: skip
FAMILY = ("Example", "Sampleton", "Specimen", "Placeholder", "Testwood", "Mockford", "Fakeley",
          "Dummett", "Notreal", "Madeupson", "Pretendo", "Imaginary", "Lorem", "Ipsum", "Dolor",
          "Fictus", "Synthe", "Modello", "Prototyp", "Demonstr")  # fmt: skip
STREETS = ("Heol y Dderwen", "Ffordd y Mor", "Example Street", "Sample Road", "Test Lane",
           "Demo Avenue", "Mock Terrace", "Fake Close")  # fmt: skip
BANDS = "ABCDEFGHI"
#: Identity's demo residents (townhall.identity.seed), here as waste customers.
DEMO_RESIDENTS = (
    ("Ada", "Example", "ada.example@example.org"),
    ("Dai", "Sampleton", "dai.sampleton@example.org"),
)


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    sex: str
    born: date
    email: str | None = None


@dataclass(frozen=True)
class Household:
    number: int
    street: str
    postcode: str
    uprn: int
    people: tuple[Person, ...] = field(default=())

    @property
    def address(self) -> str:
        return f"{self.number} {self.street}"


#: Cardiff's postcode districts; sectors and units are drawn at random, so an address
#: here is made up even where its postcode happens to exist.
DISTRICTS = ("CF10", "CF11", "CF14", "CF23", "CF24", "CF5")


def postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    unit = f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    return f"{rng.choice(DISTRICTS)} {unit}"


def households(count: int, seed: int = 2026) -> list[Household]:
    rng = random.Random(seed)
    found: list[Household] = []
    for index in range(count):
        family = rng.choice(FAMILY)
        size = rng.choices((1, 2, 3, 4), weights=(3, 4, 2, 1))[0]
        people = [_person(rng, family, adult=True) for _ in range(min(size, 2))]
        people += [_person(rng, family, adult=False) for _ in range(size - len(people))]
        home = (rng.randint(1, 200), rng.choice(STREETS), postcode(rng))
        found.append(Household(*home, 990_000_000_000 + index, tuple(people)))
    for offset, (given, family, email) in enumerate(DEMO_RESIDENTS):
        person = Person(given, family, "f" if given == "Ada" else "m",
                        date(1980 + offset, 5, 17), email)  # fmt: skip
        found.append(Household(10 + offset, "Example Street", "CF10 1AA",
                               990_100_000_000 + offset, (person,)))  # fmt: skip
    return found


def _person(rng: random.Random, family: str, *, adult: bool) -> Person:
    sex = rng.choice("fm")
    age = rng.randint(19, 85) if adult else rng.randint(18, 30)
    born = date(2026, 1, 1) - timedelta(days=age * 365 + rng.randint(0, 364))
    return Person(rng.choice(GIVEN[sex]), family, sex, born)


def account_holder(house: Household) -> str:
    """How council tax names a household's liable people."""
    adults = house.people[:2]
    title = {"f": "MRS", "m": "MR"}
    if len(adults) == 2:
        a, b = adults
        return f"{title[a.sex]} {a.given[0]} & {title[b.sex]} {b.given[0]} {a.family}".upper()
    only = adults[0]
    return f"{title[only.sex]} {only.given[0]} {only.family}".upper()
