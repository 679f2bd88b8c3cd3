"""The resident aggregate: the single resident record. It records events; the unit of
work publishes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from townhall.identity.domain import events
from townhall.identity.domain.commands import MoveResident, RegisterResident
from townhall.identity.domain.exceptions import (
    InvalidChangeError,
    ResidentErasedError,
    UnknownDomainError,
)
from townhall.identity.domain.officers import ADMIN, DOMAINS

LANGUAGES = ("en", "cy")
MAX_LOA = 3
#: Consent to share with every service domain.
ALL_DOMAINS = "*"


@dataclass(frozen=True)
class Name:
    """A name as a source wrote it. ``given`` is "" when the source kept only a title
    ("Mrs Smith") or initials ("R Smith"); ``middle_names`` are space-separated;
    ``suffix`` is a generation ("jr", "sr", "ii"...)."""

    given: str
    family: str
    since: date | None = None
    until: date | None = None  # set on former names
    title: str | None = None
    initials: str | None = None
    middle_names: str | None = None
    suffix: str | None = None


@dataclass(frozen=True)
class Address:
    """An address, every part optional but one: ``line1`` is the street line (or the
    whole address as free text when a source gave no parts). ``moved_in`` is the
    earliest date a source placed the resident there."""

    line1: str | None
    line2: str | None
    town: str | None
    postcode: str | None
    uprn: str | None = None  # a string: leading zeros are significant
    moved_in: date | None = None
    moved_out: date | None = None  # set on former addresses
    flat: str | None = None
    house_name: str | None = None
    house_number: str | None = None

    def same_place(self, other: Address) -> bool:
        """Whether two records of an address name one place: the UPRN when both have
        one, else the postcode with the premise (number, house name, flat) or line."""
        if self.uprn and other.uprn:
            return self.uprn == other.uprn
        return _place_key(self) == _place_key(other)


@dataclass(frozen=True)
class SourceRecord:
    """The personal part of a record a source system holds about a person: what a
    resident created from it keeps, and what a link adds to a resident from it.
    ``recorded_on`` is the date the record was true on (it places its address and
    name in time); ``email`` is given only when no other resident holds it."""

    name: Name
    date_of_birth: date | None = None
    ni_number: str | None = None
    address: Address | None = None
    email: str | None = None
    phone: str | None = None
    former_names: tuple[Name, ...] = ()
    recorded_on: date | None = None
    #: Addresses the person lived at before ``address``, each with ``moved_out`` set
    #: (the date they had left by, when the source did not say).
    former_addresses: tuple[Address, ...] = ()


@dataclass(frozen=True)
class Link:
    """Why a source record joined a resident: the evidence as the matcher saw it and
    who decided (``"matcher"`` automatically, or ``"officer"`` on review)."""

    id: uuid.UUID
    resident_id: uuid.UUID
    system: str
    reference: str
    decided_by: str
    probability: float | None
    evidence: list[dict[str, Any]]
    linked_at: datetime
    officer_id: uuid.UUID | None = None
    review_id: uuid.UUID | None = None


@dataclass(frozen=True)
class ContactPoint:
    kind: str  # "email" | "phone"
    value: str
    verified: bool = False


@dataclass
class Resident:
    id: uuid.UUID
    names: list[Name]  # current first, then former names
    date_of_birth: date | None = None
    addresses: list[Address] = field(default_factory=list)  # current first
    contact_points: list[ContactPoint] = field(default_factory=list)
    #: (system, value): a resident may hold several in one system (two accounts).
    identifiers: set[tuple[str, str]] = field(default_factory=set)
    ni_number: str | None = None  # normal form, e.g. "QQ123456C"
    preferred_language: str = "en"
    loa: int = 0
    erased: bool = False
    consents: set[str] = field(default_factory=set)  # domains, or "*"
    password_hash: str | None = field(default=None, repr=False)
    merged_into: uuid.UUID | None = None
    events: list[events.DomainEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def register(cls, command: RegisterResident) -> Resident:
        if command.preferred_language not in LANGUAGES:
            raise InvalidChangeError(f"unsupported language {command.preferred_language!r}")
        points = [ContactPoint("email", command.email.lower())] if command.email else []
        if command.phone:
            points.append(ContactPoint("phone", command.phone))
        resident = cls(
            id=uuid.uuid4(),
            names=[Name(command.given_name, command.family_name)],
            date_of_birth=command.date_of_birth,
            contact_points=points,
            preferred_language=command.preferred_language,
        )
        resident.events.append(
            events.ResidentRegistered(resident.id, command.channel, resident.personal())
        )
        return resident

    @classmethod
    def from_source(cls, source: SourceRecord, channel: str) -> Resident:
        """A new resident from a source system's record, keeping all of it."""
        address = source.address
        if address is not None and address.moved_in is None:
            address = replace(address, moved_in=source.recorded_on)
        points = (
            [ContactPoint("email", normal_contact("email", source.email))] if source.email else []
        )
        if source.phone:
            points.append(ContactPoint("phone", source.phone))
        resident = cls(
            id=uuid.uuid4(),
            names=[source.name, *source.former_names],
            date_of_birth=source.date_of_birth,
            ni_number=source.ni_number,
            addresses=[address] if address is not None else [],
            contact_points=points,
        )
        for former in source.former_addresses:
            resident._add_former_address(former)
        resident.events.append(events.ResidentRegistered(resident.id, channel, resident.personal()))
        return resident

    def add_source(self, source: SourceRecord) -> None:
        """Add what a source record linked to this resident knows and the record does
        not: a given name, title, middle names or suffix the current name lacks; another
        family name (current if the record is the newest news, else former); a date of
        birth or NI number; another address, placed in time by ``recorded_on`` against
        the current address's ``moved_in``; a phone or email (unverified). What the
        record already holds is never overwritten; each change is an event. The record's
        former addresses join the resident's former ones."""
        self._refuse_if_erased()
        newer = self._is_newer(source.recorded_on)
        changed = ["names"] if self._add_names(source) else []
        if source.date_of_birth is not None and self.date_of_birth is None:
            self.date_of_birth = source.date_of_birth
            changed.append("date_of_birth")
        if source.ni_number is not None and self.ni_number is None:
            self.ni_number = source.ni_number
            changed.append("ni_number")
        if changed:
            self._details_changed(changed)
        moved = source.address is not None and self._add_address(source.address, source, newer)
        for former in source.former_addresses:
            moved = self._add_former_address(former) or moved
        if moved:
            self.events.append(
                events.ResidentMoved(self.id, {"addresses": self.personal()["addresses"]})
            )
        for kind, value in (("email", source.email), ("phone", source.phone)):
            if value:
                self.add_contact_point(kind, value)

    def _is_newer(self, recorded_on: date | None) -> bool:
        """Whether a record true on ``recorded_on`` is newer than the current address."""
        if recorded_on is None:
            return not self.addresses
        current = self.addresses[0] if self.addresses else None
        return current is None or current.moved_in is None or recorded_on >= current.moved_in

    def _name_is_older_than(self, recorded_on: date) -> bool:
        """Whether a record true on ``recorded_on`` is known to be newer than the current
        name: dated no earlier than the name's ``since`` and the current address's
        ``moved_in``, at least one of them known (else the record's name is former)."""
        at = self.addresses[0].moved_in if self.addresses else None
        known = [d for d in (self.names[0].since, at) if d is not None]
        return bool(known) and recorded_on >= max(known)

    def _add_names(self, source: SourceRecord) -> bool:
        current, name = self.names[0], source.name
        if _same_name(name.family, current.family):
            filled = replace(
                current,
                given=current.given or name.given,
                title=current.title or name.title,
                initials=current.initials or name.initials,
                middle_names=current.middle_names or name.middle_names,
                suffix=current.suffix or name.suffix,
            )
            self.names[0] = filled
            changed = filled != current
        elif any(_same_name(name.family, n.family) for n in self.names[1:]):
            changed = False
        elif (on := source.recorded_on) is not None and self._name_is_older_than(on):
            renamed = replace(name, given=name.given or current.given, since=on, until=None)
            self.names = [renamed, replace(current, until=on), *self.names[1:]]
            changed = True
        else:
            former = replace(name, given=name.given or current.given, since=None,
                             until=current.since)  # fmt: skip
            self.names.append(former)
            changed = True
        known = {n.family.casefold() for n in self.names}
        for former_name in source.former_names:
            if former_name.family.casefold() not in known:
                self.names.append(former_name)
                known.add(former_name.family.casefold())
                changed = True
        return changed

    def _add_address(self, address: Address, source: SourceRecord, newer: bool) -> bool:
        if any(address.same_place(held) for held in self.addresses):
            return False
        dated = replace(address, moved_in=address.moved_in or source.recorded_on)
        if not self.addresses:
            self.addresses = [dated]
            return True
        current, *former = self.addresses
        if newer:
            moved_out = current.moved_out or dated.moved_in
            self.addresses = [dated, replace(current, moved_out=moved_out), *former]
        else:
            earlier = replace(dated, moved_out=dated.moved_out or current.moved_in)
            self.addresses = [current, *sorted([*former, earlier], key=_newest_first)]
        return True

    def _add_former_address(self, address: Address) -> bool:
        """Keep an address the resident lived at before, among the former ones (newest
        first), unless it is one already held."""
        if any(address.same_place(held) for held in self.addresses):
            return False
        current = [a for a in self.addresses[:1] if a.moved_out is None]
        former = self.addresses[len(current) :]
        self.addresses = [*current, *sorted([*former, address], key=_newest_first)]
        return True

    @property
    def given_name(self) -> str:
        return self.names[0].given

    @property
    def family_name(self) -> str:
        return self.names[0].family

    @property
    def email(self) -> str | None:
        return next((p.value for p in self.contact_points if p.kind == "email"), None)

    def personal(self) -> dict[str, Any]:
        """Everything personal, JSON-ready: what sealed events carry."""
        return {
            "names": [_jsonable(vars(n)) for n in self.names],
            "date_of_birth": self.date_of_birth and self.date_of_birth.isoformat(),
            "ni_number": self.ni_number,
            "addresses": [_jsonable(vars(a)) for a in self.addresses],
            "contact_points": [vars(p) for p in self.contact_points],
            "preferred_language": self.preferred_language,
        }

    def change_name(self, given: str, family: str, since: date) -> None:
        self._refuse_if_erased()
        if (given, family) == (self.given_name, self.family_name):
            return
        former = replace(self.names[0], until=since)
        self.names = [Name(given, family, since=since), former, *self.names[1:]]
        self._details_changed(["names"])

    def set_language(self, language: str) -> None:
        self._refuse_if_erased()
        if language not in LANGUAGES:
            raise InvalidChangeError(f"unsupported language {language!r}")
        if language != self.preferred_language:
            self.preferred_language = language
            self._details_changed(["preferred_language"])

    def move(self, command: MoveResident) -> None:
        """Move to a new address (its postcode already in normal form, see handlers)."""
        self._refuse_if_erased()
        new = Address(
            command.line1,
            command.line2,
            command.town,
            command.postcode,
            command.uprn,
            command.moved_in,
        )
        history = self.addresses
        if history and history[0].moved_in and command.moved_in < history[0].moved_in:
            raise InvalidChangeError("a move cannot predate the current address")
        if history:
            history = [replace(history[0], moved_out=command.moved_in), *history[1:]]
        self.addresses = [new, *history]
        self.events.append(
            events.ResidentMoved(self.id, {"addresses": self.personal()["addresses"]})
        )

    def add_contact_point(self, kind: str, value: str) -> None:
        """Add an email or phone as given (unverified): what an officer records."""
        self._put_contact(ContactPoint(kind, normal_contact(kind, value)))

    def contact(self, kind: str) -> ContactPoint | None:
        return next((p for p in self.contact_points if p.kind == kind), None)

    def verify_contact(self, kind: str, value: str) -> None:
        """The resident proved they receive messages there (a code sent to it): the
        contact point is added if new and marked verified; a verified email gives LoA 1."""
        self._put_contact(ContactPoint(kind, normal_contact(kind, value), verified=True))
        if kind == "email" and self.loa < 1:
            self.loa = 1
            self.events.append(events.ResidentAssuranceRaised(self.id, 1, "verified_email", None))

    def _put_contact(self, point: ContactPoint) -> None:
        """Add ``point``, or mark the one held verified; a point never loses its proof."""
        self._refuse_if_erased()
        same = (point.kind, point.value)
        held = next((p for p in self.contact_points if (p.kind, p.value) == same), None)
        if held is not None and (held.verified or not point.verified):
            return
        if held is None:
            self.contact_points.append(point)
        else:
            self.contact_points = [point if p is held else p for p in self.contact_points]
        personal = {"contact_points": [vars(p) for p in self.contact_points]}
        self.events.append(events.ResidentContactPointsChanged(self.id, personal))

    def code_issued(
        self,
        reference: str,
        channel: str,
        destination: str,
        code: str,
        language: str | None = None,
    ) -> None:
        """Record that a one-time code must be delivered (sealed: never in clear), in
        ``language`` when the resident asked in one."""
        personal = {"destination": destination, "code": code}
        self.events.append(
            events.OneTimeCodeIssued(self.id, reference, channel, personal, language)
        )

    def contact_already_registered(self, channel: str, destination: str, attempted: str) -> None:
        """Someone asked to use a contact point this resident holds (``attempted``:
        sign_up or add_contact_point): they are told there, sealed, never in clear."""
        personal = {"destination": destination}
        self.events.append(
            events.ContactPointAlreadyRegistered(self.id, channel, attempted, personal)
        )

    def link_identifier(self, system: str, value: str) -> None:
        self._refuse_if_erased()
        if (system, value) in self.identifiers:
            return
        self.identifiers.add((system, value))
        self.events.append(events.ResidentIdentifierLinked(self.id, system, {"value": value}))

    def raise_assurance(self, loa: int, evidence: str, officer_id: uuid.UUID) -> None:
        self._refuse_if_erased()
        if not self.loa < loa <= MAX_LOA:
            raise InvalidChangeError(f"assurance can only be raised, from {self.loa} up to 3")
        self.loa = loa
        self.events.append(events.ResidentAssuranceRaised(self.id, loa, evidence, officer_id))

    def change_consent(self, domain: str, granted: bool) -> None:
        self._refuse_if_erased()
        if domain != ALL_DOMAINS and (domain not in DOMAINS or domain == ADMIN):
            raise UnknownDomainError(domain)
        if granted and domain not in self.consents:
            self.consents.add(domain)
            self.events.append(events.ConsentGranted(self.id, domain))
        elif not granted and domain in self.consents:
            self.consents.discard(domain)
            self.events.append(events.ConsentWithdrawn(self.id, domain))

    def merge_into(self, survivor: Resident) -> None:
        """This record is the same person as ``survivor``; its id now resolves there."""
        for resident in (self, survivor):
            resident._refuse_if_erased()
            if resident.merged_into is not None:
                raise InvalidChangeError("a merged record cannot take part in another merge")
        if survivor.id == self.id:
            raise InvalidChangeError("a record cannot be merged into itself")
        self.merged_into = survivor.id
        self.events.append(events.ResidentMerged(survivor.id, self.id))

    def unmerge_from(self, survivor_id: uuid.UUID) -> None:
        if self.merged_into != survivor_id:
            raise InvalidChangeError("this record is not merged into that resident")
        self.merged_into = None
        self.events.append(events.ResidentUnmerged(survivor_id, self.id))

    def erase(self) -> None:
        """Forget everything personal; the data key is destroyed with it."""
        self._refuse_if_erased()
        self.names = [Name("", "")]
        self.date_of_birth = None
        self.ni_number = None
        self.addresses, self.contact_points, self.identifiers = [], [], set()
        self.consents = set()
        self.password_hash = None
        self.erased = True
        self.events.append(events.ResidentErased(self.id))

    def _details_changed(self, changed: list[str]) -> None:
        personal = self.personal()
        subset = {name: personal[name] for name in changed}
        self.events.append(events.ResidentDetailsChanged(self.id, changed, subset))

    def _refuse_if_erased(self) -> None:
        if self.erased:
            raise ResidentErasedError()


def normal_contact(kind: str, value: str) -> str:
    """Emails compare case-insensitively; phone numbers arrive in normal form."""
    return value.strip().lower() if kind == "email" else value


def _same_name(left: str, right: str) -> bool:
    return left.strip().casefold() == right.strip().casefold()


def _place_key(address: Address) -> tuple[str, ...]:
    def part(value: str | None) -> str:
        return " ".join((value or "").casefold().split())

    premise = (address.house_number, address.house_name, address.flat)
    line = "" if any(premise) else part(address.line1)
    postcode = "".join((address.postcode or "").split()).upper()
    return (postcode, *(part(p) for p in premise), line)


def _newest_first(address: Address) -> tuple[bool, int]:
    moved_in = address.moved_in
    return (moved_in is None, -moved_in.toordinal() if moved_in else 0)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
