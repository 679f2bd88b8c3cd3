"""Each legacy row as what the engine accepts, and what that loses.

`to_records` gives the engine's rich `Record` (the batch path), `to_incoming` the shape
`POST /records/match` takes (the product path, identity's `IncomingRecord`). A joint
council-tax account names two people; both paths take one person, so it is split into
two records, the shared surname given to both ("MR J & MRS A SMITH" becomes Mr J
Smith and Mrs A Smith, each with the property); the batch keeps that they are two
people as a cannot-link pair (`measure.joint_holders`).

What `to_records` keeps: the title (and the sex it implies), an initial as `initials`
(a title-only name "MRS SMITH" has no given name), a Jr/Sr typed into the surname
("SMITH JNR") as `suffix`, the forenames after the first as `middle_names`, the NI
number, flat, house name and house number read from the property line ("FLAT 2, ROSE
COURT, 12 ELM ROAD"), a partial postcode as given (the engine reads it as a district).

What is still lost, by system:

* council tax: the account's start date (when the person lived there); a typo in the
  surname stays a typo.
* waste: the free-text name is split on its last space (a swapped "Reid Olivia" stays
  swapped for the engine's swap comparison to find; "mary ann smith" keeps "ann" as
  a middle name); whether the phone is the caller's own or the house's landline.
* housing: the "known as" name replaces the forename rather than sitting beside it;
  a day/month-swapped date of birth is passed as the date it reads as (the engine's
  transposition level finds it); the tenancy's dates.
* every system: the row's date. A former address is kept where the row has one (a
  council-tax moving-in form's previous address, a housing application's address
  history; see `systems`) as `previous_addresses`, without its dates; otherwise a
  mover is found only through what their rows share (a phone, an email, an NI number,
  a date of birth, or the household seen moving together). A previous surname is kept where
  the row has one (`former_family_names`: a council-tax change of name, some housing
  rows; see `systems`); a woman's other rows before and after a marriage share only
  her given name and what else they hold.
* the product path (`to_incoming`) carries every field of `to_records`' Record (the
  previous addresses as `previous_addresses`), and the row's date as the date it was
  true on (`recorded_on`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bench_identity.council.people import Council
from bench_identity.council.systems import LegacyRow
from townhall.identity.linkage import Address, Record
from townhall.identity.service_layer.matching import FormerAddress, FormerName, IncomingRecord

_TITLES = {"MR", "MRS", "MS", "MISS", "DR", "MX"}
_SUFFIXES = {"JNR", "SNR", "JR", "SR"}


@dataclass(frozen=True, slots=True)
class Person:
    """One person as a legacy row names them (a joint account gives two)."""

    title: str | None
    given: str | None
    family: str
    suffix: str | None = None  # "jnr" / "snr" as typed


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
    """The row as the engine's rich Records, one per person it names.

    Everything a row holds is typed: title, initials (a one-letter forename), a Jr/Sr
    typed into the surname, middle names after the first forename, the NI number, the
    flat and house name in front of the property line, a partial postcode as given.
    """
    f = row.fields
    if row.system == "council_tax":
        line, _, town = (f["property"] or "").rpartition(", ")
        flat, house_name, number, street = _premises(line)
        return [
            Record(
                given_name=p.given if p.given and len(p.given) > 1 else None,
                family_name=p.family,
                resident_id=f"{row.ref}#{n}",
                title=p.title,
                initials=p.given if p.given and len(p.given) == 1 else None,
                suffix=p.suffix,
                former_family_names=_formers(f.get(f"previous_surname_{n}")),
                previous_addresses=_previous(f, f"previous_address_{n}", f"previous_postcode_{n}"),
                postcode=f["postcode"],
                flat=flat,
                house_name=house_name,
                house_number=number,
                address_line=street,
                town=town or None,
                uprn=f["uprn"],
            )
            for n, p in enumerate(split_account_name(f["account_name"] or ""))
        ]
    if row.system == "waste":
        given, _, family = (f["caller_name"] or "").strip().rpartition(" ")
        flat, house_name, number, street = _premises(f["address"] or "")
        return [
            Record(
                given_name=given if len(given) > 1 else None,
                family_name=family,
                resident_id=f"{row.ref}#0",
                initials=given if len(given) == 1 else None,
                postcode=f["postcode"],
                flat=flat,
                house_name=house_name,
                house_number=number,
                address_line=street,
                uprn=f["uprn"],
                phone=f["phone"],
                email=f["email"],
            )
        ]
    line, _, town = (f["address"] or "").rpartition(", ")
    flat, house_name, number, street = _premises(line)
    forenames = (f["forenames"] or "").split()
    return [
        Record(
            given_name=forenames[0] if forenames else None,
            family_name=f["surname"] or "unknown",
            resident_id=f"{row.ref}#0",
            title=f.get("title"),
            middle_names=tuple(forenames[1:]),
            former_family_names=_formers(f.get("previous_surname")),
            previous_addresses=tuple(
                a
                for i in range(5)
                for a in _previous(f, f"previous_address_{i}", f"previous_postcode_{i}")
            ),
            date_of_birth=_dob(f["dob"]),
            ni_number=f.get("ni_number"),
            postcode=f["postcode"],
            flat=flat,
            house_name=house_name,
            house_number=number,
            address_line=street,
            town=town or None,
            uprn=f["uprn"],
            email=f["email"],
            phone=f["phone"],
        )
    ]


def _previous(fields: dict[str, str | None], line: str, postcode: str) -> tuple[Address, ...]:
    """A former address as the row gives it: one property line and a postcode."""
    text = fields.get(line)
    if not text:
        return ()
    premises, _, town = text.rpartition(", ")
    flat, house_name, number, street = _premises(premises)
    return (Address(postcode=fields.get(postcode), house_number=number, flat=flat,
                    house_name=house_name, address_line=street, town=town or None),)  # fmt: skip


def _formers(previous: str | None) -> tuple[str, ...]:
    return (previous.strip(),) if previous and previous.strip() else ()


_FLAT = re.compile(r"^flat\s+(\w+)[\s,]*(.*)$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(.*?)[\s,]*\b(\d+[a-z]?)\s+(\D.*)$", re.IGNORECASE)


def _premises(line: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(flat, house name, house number, street) of a property line:
    "FLAT 2, ROSE COURT, 12 ELM ROAD" -> ("2", "ROSE COURT", "12", "ELM ROAD")."""
    rest = line.strip().strip(",").strip()
    flat = None
    flat_match = _FLAT.match(rest)
    if flat_match:
        flat, rest = flat_match.group(1), flat_match.group(2)
    numbered = _NUMBERED.match(rest)
    if numbered:
        house_name = numbered.group(1).strip(" ,") or None
        return flat, house_name, numbered.group(2), numbered.group(3).strip() or None
    return flat, None, None, rest or None


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
        previous_addresses=tuple(
            FormerAddress(a.flat, a.house_name, a.house_number, a.address_line, a.town,
                          a.postcode, a.uprn)
            for a in r.previous_addresses
        ),
        recorded_on=row.on,
    )  # fmt: skip


def split_account_name(name: str) -> list[Person]:
    """ "MR J & MRS A SMITH" -> Mr J Smith, Mrs A Smith; "MR & MRS SMITH" -> Mr Smith,
    Mrs Smith; "MR J JONES & MS B PATEL" -> as named; "MR J SMITH JNR" -> Mr J Smith,
    suffix Jr."""
    parts: list[tuple[str | None, list[str], str | None]] = []
    for part in name.split(" & "):
        tokens = part.split()
        suffixes = [t for t in tokens if t in _SUFFIXES]
        tokens = [t for t in tokens if t not in _SUFFIXES]
        title = tokens.pop(0) if tokens and tokens[0] in _TITLES else None
        parts.append((title, tokens, suffixes[0] if suffixes else None))
    shared = parts[-1][1][-1] if parts[-1][1] else "unknown"
    people = []
    for i, (title, tokens, suffix) in enumerate(parts):
        lone_surname = bool(tokens) and (suffix is not None or tokens[0] == shared)
        if i < len(parts) - 1 and len(tokens) <= 1 and not lone_surname:
            # "MR J &": the surname comes last ("MR SMITH SNR &" names its own)
            given, family = (tokens[0] if tokens else None), shared
        else:
            given, family = " ".join(tokens[:-1]) or None, (tokens[-1] if tokens else shared)
        people.append(Person(
            title.title() if title else None, given.title() if given else None, family.title(),
            suffix.lower() if suffix else None,
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
