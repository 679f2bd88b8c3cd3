"""Normalised comparison features, computed once per record and kept in the index.

A record's primary values (its current address, first email and phone) are flat
columns: they are what Splink trains on in DuckDB, one row per record. A resident's
other addresses, emails and phones ride along in `other_addresses`, `emails` and
`phones`; the Python twins of the comparisons take the best level over all of them (a
mover is found at any address they are known at), which SQL on one row cannot say.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from townhall.identity.linkage.record import Address, Record
from townhall.runtime.names import canonical_given_name, canonical_given_names
from townhall.runtime.normal_forms import normalise_email, normalise_phone

_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_NOT_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_LEADING_NUMBER = re.compile(r"^(\d+[a-z]?)\b\s*(.*)$")
_FLAT = re.compile(r"^(?:flat|apartment|apt|unit)\s+(\w+)\s*(.*)$")
_NAMED_THEN_NUMBER = re.compile(r"^([a-z][a-z ]*?)\s+(\d+[a-z]?)\s+([a-z].*)$")
#: What a title says of sex: Mr against Mrs, Ms or Miss is evidence of two people.
SEX_OF_TITLE = {"mr": "m", "master": "m", "mrs": "f", "ms": "f", "miss": "f"}

FEATURE_COLUMNS: tuple[str, ...] = (
    "given", "given_canon", "given_canons", "initial", "middle", "family", "former", "sex",
    "suffix", "dob", "ni", "postcode", "sector", "district", "house_number", "flat", "house_name",
    "address_line", "address_tokens", "town", "uprn", "email", "phone",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Place:
    """One address, normalised the way the address comparisons read it."""

    postcode: str | None
    sector: str | None
    district: str | None
    house_number: str | None
    flat: str | None
    house_name: str | None
    address_line: str | None
    address_tokens: str | None  # the address line's words, sorted: word order does not count
    town: str | None
    uprn: str | None


@dataclass(frozen=True, slots=True)
class Features:
    """One record, normalised: lower-case ASCII names, compact postcode, digits-only phone.

    `given` is the first forename when the record has one in full (not a lone initial);
    `initial` the first letter of the forename or of the initials a system kept;
    `middle` every other forename. `sex` is what the title says ('m', 'f' or None).
    """

    given: str | None
    given_canon: str | None
    #: Every canonical form, "|"-joined, of a variant two groups share ("sam":
    #: "samuel|samantha"); None for every other name.
    given_canons: str | None
    initial: str | None
    middle: str | None
    family: str
    former: tuple[str, ...]
    sex: str | None
    suffix: str | None
    dob: str | None  # YYYYMMDD
    ni: str | None
    postcode: str | None
    sector: str | None
    district: str | None
    house_number: str | None
    flat: str | None
    house_name: str | None
    address_line: str | None
    address_tokens: str | None
    town: str | None
    uprn: str | None
    email: str | None
    phone: str | None
    places: tuple[Place, ...] = ()  # every address, current first (the primary included)
    emails: tuple[str, ...] = ()  # every email, primary first
    phones: tuple[str, ...] = ()  # every phone, primary first

    @property
    def family_names(self) -> tuple[str, ...]:
        """The current family name followed by every former one."""
        return (self.family, *self.former)

    @property
    def forenames(self) -> tuple[str, ...]:
        """The given name and the middle names, in order."""
        return tuple(filter(None, (self.given, *(self.middle or "").split())))

    def as_row(self) -> dict[str, str | None]:
        """A flat row for the training table (former names joined with '|')."""
        row = {name: getattr(self, name) for name in FEATURE_COLUMNS}
        row["former"] = "|".join(self.former) if self.former else None
        return row


def features_of(record: Record) -> Features:
    names = [normalise_name(part) for part in (record.given_name or "").split()]
    names = [n for n in names if n]
    initials = list(normalise_name(record.initials or "").replace(" ", ""))
    full = [n for n in names if len(n) > 1]
    given = full[0] if full and len(names[0]) > 1 else None
    if given is None and names and not initials:  # "J Smith": the initial is a name's
        initials = [names[0][0]]
    middles = [n for n in names[1:] if len(n) > 1] if given else full
    middles += [m for m in (normalise_name(x) for x in record.middle_names) if m]
    places = tuple(_place(address) for address in record.addresses)
    primary = places[0] if places and not record.current_address.empty else _NO_PLACE
    emails = tuple(e for e in (normalise_email(x) for x in record.emails) if e)
    phones = tuple(p for p in (normalise_phone(x) for x in record.phones) if p)
    title = normalise_name(record.title or "").replace(" ", "")
    first_initial = given[0] if given else (initials[0] if initials else None)
    canons = canonical_given_names(given) if given else ()
    return Features(
        given=given,
        given_canon=canonical_given_name(given) if given else None,
        given_canons="|".join(canons) if len(canons) > 1 else None,
        initial=first_initial,
        middle=" ".join(middles) or None,
        family=normalise_name(record.family_name),
        former=tuple(normalise_name(name) for name in record.former_family_names),
        sex=SEX_OF_TITLE.get(title),
        suffix=record.suffix,
        dob=_dob(record.date_of_birth),
        ni=record.ni_number[:8] if record.ni_number else None,  # the letter is often left off
        postcode=primary.postcode,
        sector=primary.sector,
        district=primary.district,
        house_number=primary.house_number,
        flat=primary.flat,
        house_name=primary.house_name,
        address_line=primary.address_line,
        address_tokens=primary.address_tokens,
        town=primary.town,
        uprn=primary.uprn,
        email=normalise_email(record.email),
        phone=normalise_phone(record.phone),
        places=places,
        emails=emails,
        phones=phones,
    )


def normalise_name(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = _NOT_LETTERS.sub(" ", ascii_name.lower().replace("'", ""))
    return _SPACES.sub(" ", cleaned).strip()


def normalise_postcode(postcode: str | None) -> str | None:
    if postcode is None:
        return None
    compact = "".join(postcode.split()).upper()
    return compact or None


def postcode_parts(postcode: str | None) -> tuple[str | None, str | None]:
    """(sector, district) of a compact postcode: 'SW1A1AA' -> ('SW1A1', 'SW1A').

    A postcode that is not UK-shaped (FEBRL's four digits) falls back to prefixes.
    """
    if postcode is None:
        return None, None
    uk = _UK_POSTCODE.match(postcode)
    if uk:
        return uk.group(1) + uk.group(2)[0], uk.group(1)
    if len(postcode) < 3:
        return None, None
    return postcode[:-1], postcode[:-2]


_NO_PLACE = Place(None, None, None, None, None, None, None, None, None, None)


def _place(address: Address) -> Place:
    postcode = normalise_postcode(address.postcode)
    sector, district = postcode_parts(postcode)
    if postcode is not None and _UK_POSTCODE.match(postcode) is None and postcode[:2].isalpha():
        # an outward code alone ("ZX3"): a district, not a postcode
        postcode, sector, district = None, None, postcode
    flat, house_name, number, line = _premises(address)
    return Place(
        postcode=postcode,
        sector=sector,
        district=district,
        house_number=number,
        flat=flat,
        house_name=house_name,
        address_line=line,
        address_tokens=" ".join(sorted(line.split())) if line else None,
        town=_optional_name(address.town),
        uprn=address.uprn.strip() if address.uprn else None,
    )


def _premises(address: Address) -> tuple[str | None, str | None, str | None, str | None]:
    """(flat, house name, house number, street) from the fields and the free line.

    "Flat 2, Rose Court, 12 Elm Road" in the line alone gives ("2", "rose court", "12",
    "elm road"); a field the system filled in wins over what the line says.
    """
    line = _SPACES.sub(" ", (address.address_line or "").lower().replace(",", " ")).strip()
    flat = _compact(address.flat)
    flat_match = _FLAT.match(line)
    if flat_match:
        flat, line = flat or flat_match.group(1), flat_match.group(2)
    if flat and flat.startswith("flat"):
        flat = flat[4:] or None
    number = _compact(address.house_number)
    house_name = normalise_name(address.house_name or "") or None
    leading = _LEADING_NUMBER.match(line)
    if leading:
        number, line = number or leading.group(1), leading.group(2)
    else:
        named = _NAMED_THEN_NUMBER.match(line)
        if named:
            house_name = house_name or named.group(1)
            number, line = number or named.group(2), named.group(3)
    if house_name and line.startswith(house_name):
        line = line[len(house_name) :].strip()
    return flat, house_name, number, line or None


def _compact(value: str | None) -> str | None:
    return "".join(value.lower().split()) or None if value and value.strip() else None


def _optional_name(value: str | None) -> str | None:
    return (normalise_name(value) or None) if value else None


def _dob(value: date | None) -> str | None:
    return value.strftime("%Y%m%d") if value else None
