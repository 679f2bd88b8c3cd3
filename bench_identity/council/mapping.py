"""Each legacy row as what today's engine accepts, and what that loses.

`to_records` gives the engine's `Record` (the batch path), `to_incoming` the shape
`POST /records/match` takes (the product path, identity's `IncomingRecord`). A joint
council-tax account names two people; both paths take one person, so it is split into
two records, the shared surname given to both ("MR J & MRS A SMITH" becomes Mr J
Smith and Mrs A Smith, each with the property).

What is lost, by system:

* council tax: the title (Record has none; a title-only name "MRS SMITH" has no given
  name and Record requires one, so the title is put in the given name: "Mrs"); an
  initial is kept as a one-letter given name, which the engine compares as a name, not
  as an initial; Jr/Sr typed into the surname ("SMITH JNR") is dropped, Record having
  no place for it; the property line keeps flat and house name only as free text (no
  premise, flat or building field), its house number is not parsed when a flat or
  house name comes first; that two people share one account (the strongest evidence
  that they are two people) is lost by the split.
* waste: the free-text name is split on its last space (a swapped "Reid Olivia" stays
  swapped, an initial stays a one-letter given name); a partial postcode ("ZX3") is
  passed as the postcode; nothing else is lost.
* housing: the title; the middle name is folded into the given name ("Leo Samuel");
  the NI number (Record has none); the "known as" name replaces the forename rather
  than sitting beside it; a day/month-swapped date of birth is passed as the date it
  reads as.
* every system: the row's date, hence any former address: each row is one record
  with one address and no history, so a mover's rows at two addresses are two
  unrelated addresses to the engine; a married woman's rows under her former surname
  carry no former_family_names (no legacy row knows it).
* the product path (`to_incoming`) carries every field of `to_records`' Record, and
  the row's date as the date it was true on (`recorded_on`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bench_identity.council.people import Council
from bench_identity.council.systems import LegacyRow
from townhall.identity.linkage import Record
from townhall.identity.service_layer.matching import FormerName, IncomingRecord

_TITLES = {"MR", "MRS", "MS", "MISS", "DR", "MX"}
_SUFFIXES = {"JNR", "SNR", "JR", "SR"}


@dataclass(frozen=True, slots=True)
class Person:
    """One person as a legacy row names them (a joint account gives two)."""

    title: str | None
    given: str | None
    family: str


@dataclass(frozen=True, slots=True)
class Sighting:
    """One mapped record, with the truth about the person it names."""

    record: Record  # resident_id is the sighting's id: "<row ref>#<n>"
    incoming: IncomingRecord
    person: str
    system: str
    on: date
    tags: frozenset[str]
    true_family: str  # the person's family name on the row's date
    true_uprn: str  # the person's home on the row's date

    @property
    def sid(self) -> str:
        return self.record.resident_id or ""


def sightings(council: Council, rows: list[LegacyRow]) -> list[Sighting]:
    out: list[Sighting] = []
    for row in rows:
        for n, (record, incoming) in enumerate(zip(to_records(row), to_incoming(row),
                                                   strict=True)):  # fmt: skip
            person = council.people[row.people[n]]
            out.append(Sighting(record, incoming, person.pid, row.system, row.on, row.tags[n],
                                person.family_at(row.on), person.home_at(row.on).uprn))  # fmt: skip
    return out


def to_records(row: LegacyRow) -> list[Record]:
    """The row as today's engine's Records, one per person it names."""
    f = row.fields
    if row.system == "council_tax":
        line, _, town = (f["property"] or "").rpartition(", ")
        return [
            Record(
                given_name=p.given or p.title or "unknown",
                family_name=p.family,
                resident_id=f"{row.ref}#{n}",
                postcode=f["postcode"],
                address_line=line,
                town=town,
                uprn=f["uprn"],
            )
            for n, p in enumerate(split_account_name(f["account_name"] or ""))
        ]
    if row.system == "waste":
        given, _, family = (f["caller_name"] or "").rpartition(" ")
        return [
            Record(
                given_name=given or family,
                family_name=family,
                resident_id=f"{row.ref}#0",
                postcode=f["postcode"],
                address_line=f["address"],
                uprn=f["uprn"],
                phone=f["phone"],
                email=f["email"],
            )
        ]
    line, _, town = (f["address"] or "").rpartition(", ")
    return [
        Record(
            given_name=f["forenames"] or "unknown",
            family_name=f["surname"] or "unknown",
            resident_id=f"{row.ref}#0",
            date_of_birth=_dob(f["dob"]),
            postcode=f["postcode"],
            address_line=line,
            town=town,
            uprn=f["uprn"],
            email=f["email"],
            phone=f["phone"],
        )
    ]


def to_incoming(row: LegacyRow) -> list[IncomingRecord]:
    """The row as `POST /records/match` bodies: every field `to_records` fills, and
    the row's date as the date the record was true on."""
    return [_incoming(row, r) for r in to_records(row)]


def _incoming(row: LegacyRow, r: Record) -> IncomingRecord:
    return IncomingRecord(
        row.system,
        r.resident_id or row.ref,
        r.given_name,
        r.family_name,
        r.date_of_birth,
        r.email,
        r.phone,
        r.postcode,
        title=r.title,
        initials=r.initials,
        middle_names=r.middle_names,
        suffix=r.suffix,
        former_family_names=tuple(FormerName(f) for f in r.former_family_names),
        ni_number=r.ni_number,
        flat=r.flat,
        house_name=r.house_name,
        house_number=r.house_number,
        address_line=r.address_line,
        town=r.town,
        uprn=r.uprn,
        recorded_on=row.on,
    )


def split_account_name(name: str) -> list[Person]:
    """ "MR J & MRS A SMITH" -> Mr J Smith, Mrs A Smith; "MR & MRS SMITH" -> Mr Smith,
    Mrs Smith; "MR J JONES & MS B PATEL" -> as named. Jr/Sr markers are dropped."""
    parts: list[tuple[str | None, list[str]]] = []
    for part in name.split(" & "):
        tokens = [t for t in part.split() if t not in _SUFFIXES]
        title = tokens.pop(0) if tokens and tokens[0] in _TITLES else None
        parts.append((title, tokens))
    shared = parts[-1][1][-1] if parts[-1][1] else "unknown"
    people = []
    for i, (title, tokens) in enumerate(parts):
        if i < len(parts) - 1 and len(tokens) <= 1:  # "MR J &": the surname comes last
            given, family = (tokens[0] if tokens else None), shared
        else:
            given, family = " ".join(tokens[:-1]) or None, (tokens[-1] if tokens else shared)
        people.append(Person(
            title.title() if title else None, given.title() if given else None, family.title()
        ))  # fmt: skip
    return people


def _dob(text: str | None) -> date | None:
    if not text:
        return None
    day, month, year = (int(x) for x in text.split("/"))
    try:
        return date(year, month, day)
    except ValueError:
        return None
