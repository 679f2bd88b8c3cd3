"""The record the matcher compares: one resident, or one incoming row without an id."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from townhall.identity.linkage.errors import InvalidRecordError

_EARLIEST_BIRTH = date(1880, 1, 1)
_POSTCODE_CHARS = re.compile(r"^[A-Za-z0-9 ]{2,10}$")
_UPRN = re.compile(r"^\d{1,12}$")


@dataclass(frozen=True, slots=True)
class Record:
    """A resident record. Every field is optional except the two names.

    `resident_id` is None for an incoming record (a sign-up, a legacy row, a phone
    contact). `uprn` is a string so that leading zeros survive.
    """

    given_name: str
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

    def __post_init__(self) -> None:
        _require_name("given_name", self.given_name)
        _require_name("family_name", self.family_name)
        if not isinstance(self.former_family_names, tuple):
            raise InvalidRecordError("former_family_names", "must be a tuple of names")
        for former in self.former_family_names:
            _require_name("former_family_names", former)
        if self.resident_id is not None and not self.resident_id.strip():
            raise InvalidRecordError("resident_id", "must be None or a non-empty id")
        _check_date_of_birth(self.date_of_birth)
        _check_optional(self)


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


def _check_optional(record: Record) -> None:
    if record.postcode is not None and not _POSTCODE_CHARS.match(record.postcode.strip()):
        raise InvalidRecordError("postcode", f"{record.postcode!r} is not a postcode")
    if record.uprn is not None and not _UPRN.match(record.uprn.strip()):
        raise InvalidRecordError("uprn", "must be 1 to 12 digits (kept as a string)")
    if record.email is not None and "@" not in record.email:
        raise InvalidRecordError("email", f"{record.email!r} is not an email address")
    if record.phone is not None and sum(ch.isdigit() for ch in record.phone) < 6:
        raise InvalidRecordError("phone", f"{record.phone!r} is not a phone number")
