"""The record the matcher compares: one resident, or one incoming row without an id.

A record carries what councils' systems hold about a person: a title, a given name or
only initials (or neither: "Mrs Smith"), middle names, a family name and former ones, a
generation suffix (Jr/Sr), a date of birth, a National Insurance number, the current
address (flat, house name, house number, street line, town, postcode, UPRN) and former
addresses, and contact points. Only the family name is required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from townhall.identity.linkage.errors import InvalidRecordError
from townhall.runtime.normal_forms import normalise_ni_number

_EARLIEST_BIRTH = date(1880, 1, 1)
_POSTCODE_CHARS = re.compile(r"^[A-Za-z0-9 ]{2,10}$")
_UPRN = re.compile(r"^\d{1,12}$")
_INITIALS = re.compile(r"^[A-Za-z](?:[\s.]*[A-Za-z])*[\s.]*$")
#: Generation suffixes as systems write them, to one normal form.
SUFFIXES = {
    "jr": "jr", "jnr": "jr", "junior": "jr", "sr": "sr", "snr": "sr", "senior": "sr",
    "ii": "ii", "iii": "iii", "iv": "iv",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Address:
    """One address as systems record it; every part optional.

    `house_number` is the premise number ("12", "12a"); `flat` the sub-building
    ("Flat 3", "2F1"); `house_name` a building or house name ("Rose Cottage");
    `address_line` the rest of the street line (or the whole line as free text, from
    which features parse the number, flat and house name). `since`/`until` date it.
    """

    postcode: str | None = None
    house_number: str | None = None
    flat: str | None = None
    house_name: str | None = None
    address_line: str | None = None
    town: str | None = None
    uprn: str | None = None
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        _check_address(self)

    @property
    def empty(self) -> bool:
        return not any((self.postcode, self.house_number, self.flat, self.house_name,
                        self.address_line, self.town, self.uprn))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Record:
    """A resident record. Only the family name is required.

    `resident_id` is None for an incoming record (a sign-up, a legacy row, a phone
    contact). The flat address fields are the current (or only) address;
    `previous_addresses` the former ones, most recent first. `uprn` is a string so that
    leading zeros survive. `initials` holds the letters a system kept instead of names
    ("J A" for John Adam); `ni_number` and `suffix` are normalised on construction.
    """

    given_name: str | None
    family_name: str
    resident_id: str | None = None
    former_family_names: tuple[str, ...] = field(default=())
    date_of_birth: date | None = None
    postcode: str | None = None
    house_number: str | None = None
    address_line: str | None = None
    town: str | None = None
    uprn: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    initials: str | None = None
    middle_names: tuple[str, ...] = field(default=())
    suffix: str | None = None
    ni_number: str | None = None
    flat: str | None = None
    house_name: str | None = None
    previous_addresses: tuple[Address, ...] = field(default=())
    other_emails: tuple[str, ...] = field(default=())
    other_phones: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.given_name is not None:
            _require_name("given_name", self.given_name)
        _require_name("family_name", self.family_name)
        for name in ("former_family_names", "middle_names", "previous_addresses",
                     "other_emails", "other_phones"):  # fmt: skip
            if not isinstance(getattr(self, name), tuple):
                raise InvalidRecordError(name, "must be a tuple")
        for former in self.former_family_names:
            _require_name("former_family_names", former)
        for middle in self.middle_names:
            _require_name("middle_names", middle)
        if self.title is not None:
            _require_name("title", self.title)
        if self.initials is not None and not _INITIALS.match(self.initials.strip()):
            raise InvalidRecordError("initials", f"{self.initials!r} is not a run of initials")
        if self.suffix is not None:
            normal = SUFFIXES.get(self.suffix.strip().strip(".").lower())
            if normal is None:
                raise InvalidRecordError("suffix", f"{self.suffix!r} is not Jr, Sr, II, III or IV")
            object.__setattr__(self, "suffix", normal)
        if self.ni_number is not None:
            try:
                object.__setattr__(self, "ni_number", normalise_ni_number(self.ni_number))
            except ValueError as error:
                raise InvalidRecordError("ni_number", str(error)) from None
        if self.resident_id is not None and not self.resident_id.strip():
            raise InvalidRecordError("resident_id", "must be None or a non-empty id")
        _check_date_of_birth(self.date_of_birth)
        _check_address(self)
        for previous in self.previous_addresses:
            if not isinstance(previous, Address):
                raise InvalidRecordError("previous_addresses", "must hold Address values")
        for email in (self.email, *self.other_emails):
            if email is not None and "@" not in email:
                raise InvalidRecordError("email", f"{email!r} is not an email address")
        for phone in (self.phone, *self.other_phones):
            if phone is not None and sum(ch.isdigit() for ch in phone) < 6:
                raise InvalidRecordError("phone", f"{phone!r} is not a phone number")

    @property
    def current_address(self) -> Address:
        return Address(self.postcode, self.house_number, self.flat, self.house_name,
                       self.address_line, self.town, self.uprn)  # fmt: skip

    @property
    def addresses(self) -> tuple[Address, ...]:
        """Every address, current first; empty ones left out."""
        current = self.current_address
        return tuple(a for a in (current, *self.previous_addresses) if not a.empty)

    @property
    def emails(self) -> tuple[str, ...]:
        return tuple(e for e in (self.email, *self.other_emails) if e)

    @property
    def phones(self) -> tuple[str, ...]:
        return tuple(p for p in (self.phone, *self.other_phones) if p)


def parse_date_of_birth(text: str) -> date:
    """Parse an ISO date (YYYY-MM-DD or YYYYMMDD), refusing impossible dates clearly."""
    cleaned = text.strip()
    if re.fullmatch(r"\d{8}", cleaned):
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    try:
        parsed = date.fromisoformat(cleaned)
    except ValueError as error:
        raise InvalidRecordError("date_of_birth", f"{text!r} is not a valid date") from error
    _check_date_of_birth(parsed)
    return parsed


def _require_name(name: str, value: object) -> None:
    if not isinstance(value, str) or not any(ch.isalpha() for ch in value):
        raise InvalidRecordError(name, "must be a non-empty name with at least one letter")


def _check_date_of_birth(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, date):
        raise InvalidRecordError("date_of_birth", "must be a datetime.date or None")
    if value < _EARLIEST_BIRTH or value > date.today():
        raise InvalidRecordError("date_of_birth", f"{value.isoformat()} is not plausible")


def _check_address(address: Record | Address) -> None:
    if address.postcode is not None and not _POSTCODE_CHARS.match(address.postcode.strip()):
        raise InvalidRecordError("postcode", f"{address.postcode!r} is not a postcode")
    if address.uprn is not None and not _UPRN.match(address.uprn.strip()):
        raise InvalidRecordError("uprn", "must be 1 to 12 digits (kept as a string)")
