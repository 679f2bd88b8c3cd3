"""Matching records that arrive without a resident id: the Matcher protocol.

The production matcher is ``adapters.linkage_matcher.LinkageMatcher``, on top of the
probabilistic record-linkage engine (``townhall.identity.linkage``).
:class:`ExactMatchPlaceholder` is a deliberately trivial exact matcher, not a linkage
model, kept for tests of the review queue that want predictable scores
(``IDENTITY_MATCHER=exact``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any, Protocol

from townhall.identity.domain.model import Resident
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.normal_forms import normalise_phone


@dataclass(frozen=True)
class FormerName:
    """A family name the person had before (at marriage, say), with dates if known."""

    family_name: str
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class FormerAddress:
    """An address the person lived at before the record's own (a council-tax moving-in
    form's "previous address", a housing application's address history), with the
    dates they lived there if known."""

    flat: str | None = None
    house_name: str | None = None
    house_number: str | None = None
    address_line: str | None = None
    town: str | None = None
    postcode: str | None = None
    uprn: str | None = None
    since: date | None = None
    until: date | None = None

    @property
    def has_address(self) -> bool:
        return _has_address(self)

    def to_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["since"], values["until"] = _iso(self.since), _iso(self.until)
        return values

    @classmethod
    def from_json(cls, values: Mapping[str, Any]) -> FormerAddress:
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in values.items() if k in known}
        kept["since"], kept["until"] = _date(kept.get("since")), _date(kept.get("until"))
        return cls(**kept)


@dataclass(frozen=True)
class IncomingRecord:
    """A record about a person from a source system, without a resident id.

    It carries what councils' systems hold: a title, a given name or only initials (or
    neither: "Mrs Smith"), middle names, a family name and former ones, a generation
    suffix, a date of birth, an NI number (normal form), its address (flat, house name,
    house number, street line, town, postcode, UPRN) and former ones
    (``previous_addresses``, most recent first), an email and a phone (normal
    forms). ``recorded_on`` is the date the record was true on: it places the address
    and the name in time when a link adds them to a resident. ``observed_at`` is when
    the source system recorded it (None: now): a record observed before its person's
    erasure does not bring them back (``matching_handlers.match_record``).
    """

    system: str  # e.g. "council_tax", "phone_contact"
    reference: str  # the record's id in that system
    given_name: str | None
    family_name: str
    date_of_birth: date | None = None
    email: str | None = None
    phone: str | None = None
    postcode: str | None = None
    title: str | None = None
    initials: str | None = None
    middle_names: tuple[str, ...] = ()
    suffix: str | None = None
    former_family_names: tuple[FormerName, ...] = ()
    ni_number: str | None = None
    flat: str | None = None
    house_name: str | None = None
    house_number: str | None = None
    address_line: str | None = None
    town: str | None = None
    uprn: str | None = None
    previous_addresses: tuple[FormerAddress, ...] = ()
    recorded_on: date | None = None
    observed_at: datetime | None = None

    @property
    def contacts(self) -> list[tuple[str, str]]:
        """The record's contact points as (kind, value)."""
        pairs = (("email", self.email), ("phone", self.phone))
        return [(kind, value) for kind, value in pairs if value]

    @property
    def has_address(self) -> bool:
        return _has_address(self)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings), as a review item keeps it."""
        values = asdict(self)
        for key in ("date_of_birth", "recorded_on"):
            values[key] = _iso(values[key])
        values["observed_at"] = self.observed_at.isoformat() if self.observed_at else None
        values["middle_names"] = list(self.middle_names)
        values["former_family_names"] = [
            {"family_name": f.family_name, "since": _iso(f.since), "until": _iso(f.until)}
            for f in self.former_family_names
        ]
        values["previous_addresses"] = [a.to_json() for a in self.previous_addresses]
        return values

    @classmethod
    def from_json(cls, values: Mapping[str, Any]) -> IncomingRecord:
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in values.items() if k in known}
        for key in ("date_of_birth", "recorded_on"):
            kept[key] = _date(kept.get(key))
        observed = kept.get("observed_at")
        kept["observed_at"] = datetime.fromisoformat(observed) if observed else None
        kept["middle_names"] = tuple(kept.get("middle_names") or ())
        kept["former_family_names"] = tuple(
            FormerName(f["family_name"], _date(f.get("since")), _date(f.get("until")))
            for f in kept.get("former_family_names") or ()
        )
        kept["previous_addresses"] = tuple(
            FormerAddress.from_json(a) for a in kept.get("previous_addresses") or ()
        )
        return cls(**kept)


def _has_address(place: IncomingRecord | FormerAddress) -> bool:
    parts = (place.flat, place.house_name, place.house_number, place.address_line, place.town,
             place.postcode, place.uprn)  # fmt: skip
    return any(parts)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class FieldEvidence:
    field: str
    incoming: str | None
    existing: str | None
    agreement: str  # "agree" | "similar" | "disagree" | "missing"
    level: str | None = None  # the linkage comparison level hit, e.g. "nickname"
    weight: float | None = None  # its match weight, log2(m/u)


@dataclass(frozen=True)
class Candidate:
    resident_id: uuid.UUID
    probability: float
    evidence: tuple[FieldEvidence, ...]
    #: Other residents this record shows to be the same person (a move it bridges):
    #: merged into this one when the record links to it.
    same_person: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    """At or above ``link``: link automatically; at or above ``review``: ask an officer.

    The probability is the engine's posterior, which already shares the odds among
    every plausible resident (twins, a father and son), so 0.9 is a link most likely
    right even against the rivals. At 0.99 most of what went to an officer was the
    right resident: the queue was full of answers, not questions."""

    link: float = 0.90
    review: float = 0.50


class Matcher(Protocol):
    async def candidates(self, record: IncomingRecord, uow: UnitOfWork) -> Sequence[Candidate]:
        """Candidate residents, most probable first (``uow`` is open, for lookups)."""
        ...

    def residents_changed(self, changed: Sequence[Resident]) -> None:
        """Called by the unit of work after a commit, with every resident whose events it
        committed (registered, renamed, moved, merged, unmerged, erased...)."""
        ...


#: The fields an officer sees compared, in the order shown.
EVIDENCE_FIELDS = (
    "title", "given_name", "initials", "middle_names", "family_name", "suffix",
    "date_of_birth", "ni_number", "address", "postcode", "uprn", "email", "phone",
)  # fmt: skip


def _words(value: str | None) -> str | None:
    return " ".join(value.casefold().replace(".", " ").split()) or None if value else None


def _email(value: str | None) -> str | None:
    return value.strip().casefold() or None if value else None


def _compact(value: str | None) -> str | None:
    return "".join(value.split()).upper() or None if value else None


def _premise(
    flat: str | None, name: str | None, number: str | None, line: str | None
) -> str | None:
    return _words(" ".join(p for p in (flat, name, number, line) if p))


def _incoming(record: IncomingRecord, name: str) -> str | None:
    match name:
        case "middle_names":
            return _words(" ".join(record.middle_names))
        case "date_of_birth":
            return _iso(record.date_of_birth)
        case "ni_number":
            return _compact(record.ni_number)
        case "address" | "postcode" | "uprn":
            return _place_value(record, name)
        case "phone":
            return normalise_phone(record.phone)
        case "email":
            return _email(record.email)
        case "family_name":
            return _words(record.family_name)
    return _words(getattr(record, name))


def _existing(resident: Resident, name: str) -> list[str]:
    """The resident's values for ``name``: every one held (former names, all addresses,
    every phone), current first."""
    current = resident.names[0]
    found: list[str | None]
    match name:
        case "given_name":
            found = [_words(current.given)]
        case "title" | "initials" | "middle_names" | "suffix":
            found = [_words(getattr(current, name))]
        case "family_name":
            found = [_words(n.family) for n in resident.names]
        case "date_of_birth":
            found = [_iso(resident.date_of_birth)]
        case "ni_number":
            found = [resident.ni_number]
        case "postcode" | "uprn":
            found = [_compact(getattr(a, name)) for a in resident.addresses]
        case "address":
            found = [_premise(a.flat, a.house_name, a.house_number, a.line1)
                     for a in resident.addresses]  # fmt: skip
        case _:
            normal = _email if name == "email" else normalise_phone
            found = [normal(p.value) for p in resident.contact_points if p.kind == name]
    return [value for value in found if value]


def evidence(record: IncomingRecord, resident: Resident) -> tuple[FieldEvidence, ...]:
    """Field-by-field comparison, as shown to the officer reviewing a match: a field
    agrees when the incoming value equals any the resident holds (a former surname, a
    former address, another phone)."""
    found = []
    for name in EVIDENCE_FIELDS:
        offered, held = _offered(record, name), _existing(resident, name)
        incoming = offered[0] if offered else None
        agreed = next((value for value in offered if value in held), None)
        if not offered or not held:
            existing = held[0] if held else None
            found.append(FieldEvidence(name, incoming, existing, "missing"))
        elif agreed is not None:
            found.append(FieldEvidence(name, agreed, agreed, "agree"))
        else:
            found.append(FieldEvidence(name, incoming, held[0], "disagree"))
    return tuple(found)


def _offered(record: IncomingRecord, name: str) -> list[str]:
    """The record's values for ``name``: its own, then for an address field those of
    its former addresses (a mover is recognised at the home they left)."""
    values = [_incoming(record, name)]
    for former in record.previous_addresses if name in _ADDRESS_FIELDS else ():
        values.append(_place_value(former, name))
    return list(dict.fromkeys(value for value in values if value))


_ADDRESS_FIELDS = frozenset(("address", "postcode", "uprn"))


def _place_value(place: IncomingRecord | FormerAddress, name: str) -> str | None:
    if name == "address":
        return _premise(place.flat, place.house_name, place.house_number, place.address_line)
    return _compact(place.postcode if name == "postcode" else place.uprn)


class ExactMatchPlaceholder:
    """TRIVIAL PLACEHOLDER, not record linkage: exact email, phone or name + birth date.

    An exact email or phone with an agreeing family name scores 0.995 (linked); name
    and date of birth alone 0.8 (reviewed). For tests only: production uses
    ``LinkageMatcher``.
    """

    def residents_changed(self, changed: Sequence[Resident]) -> None:
        """Nothing to keep current: every lookup reads the database."""

    async def candidates(self, record: IncomingRecord, uow: UnitOfWork) -> list[Candidate]:
        ids: set[uuid.UUID] = set()
        for kind, value in (("email", record.email), ("phone", record.phone)):
            if value:
                found = await uow.residents.find_by_contact(kind, value.lower())
                ids |= {found.id} if found else set()
        if record.date_of_birth:
            born = await uow.residents.born_on(record.family_name, record.date_of_birth)
            ids |= set(born)
        found_candidates = []
        for resident_id in ids:
            resident = await uow.residents.get(resident_id)
            if resident is not None and not resident.erased:
                found_candidates.append(self._score(record, resident))
        return sorted(found_candidates, key=lambda c: -c.probability)

    def _score(self, record: IncomingRecord, resident: Resident) -> Candidate:
        fields = {e.field: e.agreement for e in evidence(record, resident)}
        contact = "agree" in (fields["email"], fields["phone"])
        same_person = fields["family_name"] == "agree" and "disagree" not in (
            fields["given_name"],
            fields["date_of_birth"],
        )
        probability = 0.995 if contact and same_person else 0.8 if same_person else 0.3
        return Candidate(resident.id, probability, evidence(record, resident))
