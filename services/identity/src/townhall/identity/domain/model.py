"""The resident aggregate: the single resident record. It records events; the unit of
work publishes them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date
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
    given: str
    family: str
    since: date | None = None
    until: date | None = None  # set on former names


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str | None
    town: str
    postcode: str
    uprn: str | None = None  # a string: leading zeros are significant
    moved_in: date | None = None
    moved_out: date | None = None  # set on former addresses


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
    identifiers: dict[str, str] = field(default_factory=dict)  # system -> value
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

    def code_issued(self, reference: str, channel: str, destination: str, code: str) -> None:
        """Record that a one-time code must be delivered (sealed: never in clear)."""
        personal = {"destination": destination, "code": code}
        self.events.append(events.OneTimeCodeIssued(self.id, reference, channel, personal))

    def link_identifier(self, system: str, value: str) -> None:
        self._refuse_if_erased()
        if self.identifiers.get(system) == value:
            return
        self.identifiers[system] = value
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
        self.addresses, self.contact_points, self.identifiers = [], [], {}
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


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
