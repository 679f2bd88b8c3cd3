"""Normalised comparison features, computed once per record and kept in the index."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from townhall.identity.linkage.record import Record
from townhall.runtime.names import canonical_given_name
from townhall.runtime.normal_forms import normalise_email, normalise_phone

_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_NOT_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_LEADING_NUMBER = re.compile(r"^(\d+[a-z]?)\b\s*(.*)$")

FEATURE_COLUMNS: tuple[str, ...] = (
    "given", "given_canon", "family", "former", "dob", "postcode", "sector", "district",
    "house_number", "address_line", "address_tokens", "town", "uprn", "email", "phone",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Features:
    """One record, normalised: lower-case ASCII names, compact postcode, digits-only phone."""

    given: str
    given_canon: str
    family: str
    former: tuple[str, ...]
    dob: str | None  # YYYYMMDD
    postcode: str | None
    sector: str | None
    district: str | None
    house_number: str | None
    address_line: str | None
    address_tokens: str | None  # the address line's words, sorted: word order does not count
    town: str | None
    uprn: str | None
    email: str | None
    phone: str | None

    @property
    def family_names(self) -> tuple[str, ...]:
        """The current family name followed by every former one."""
        return (self.family, *self.former)

    def as_row(self) -> dict[str, str | None]:
        """A flat row for the training table (former names joined with '|')."""
        row = {name: getattr(self, name) for name in FEATURE_COLUMNS}
        row["former"] = "|".join(self.former) if self.former else None
        return row


def features_of(record: Record) -> Features:
    given = normalise_name(record.given_name or "")
    postcode = normalise_postcode(record.postcode)
    sector, district = postcode_parts(postcode)
    house_number, address_line = _address(record.house_number, record.address_line)
    return Features(
        given=given,
        given_canon=canonical_given_name(given.split(" ")[0]),
        family=normalise_name(record.family_name),
        former=tuple(normalise_name(name) for name in record.former_family_names),
        dob=_dob(record.date_of_birth),
        postcode=postcode,
        sector=sector,
        district=district,
        house_number=house_number,
        address_line=address_line,
        address_tokens=" ".join(sorted(address_line.split())) if address_line else None,
        town=_optional_name(record.town),
        uprn=record.uprn.strip() if record.uprn else None,
        email=normalise_email(record.email),
        phone=normalise_phone(record.phone),
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


def _optional_name(value: str | None) -> str | None:
    return (normalise_name(value) or None) if value else None


def _dob(value: date | None) -> str | None:
    return value.strftime("%Y%m%d") if value else None


def _address(number: str | None, line: str | None) -> tuple[str | None, str | None]:
    norm_number = "".join(number.lower().split()) if number and number.strip() else None
    norm_line = _SPACES.sub(" ", line.lower().replace(",", " ")).strip() if line else None
    if norm_line:
        leading = _LEADING_NUMBER.match(norm_line)
        if leading:
            norm_number = norm_number or leading.group(1)
            norm_line = leading.group(2) or None
    return norm_number, norm_line or None
