"""Matching records that arrive without a resident id: the Matcher protocol.

The production matcher is ``adapters.linkage_matcher.LinkageMatcher``, on top of the
probabilistic record-linkage engine (``townhall.identity.linkage``).
:class:`ExactMatchPlaceholder` is a deliberately trivial exact matcher, not a linkage
model, kept for tests of the review queue that want predictable scores
(``IDENTITY_MATCHER=exact``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from townhall.identity.domain.model import Resident
from townhall.identity.service_layer.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class IncomingRecord:
    """A record about a person from a source system, without a resident id."""

    system: str  # e.g. "council_tax", "phone_contact"
    reference: str  # the record's id in that system
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    email: str | None = None
    phone: str | None = None
    postcode: str | None = None


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


@dataclass(frozen=True)
class Thresholds:
    """At or above ``link``: link automatically; at or above ``review``: ask an officer."""

    link: float = 0.99
    review: float = 0.50


class Matcher(Protocol):
    async def candidates(self, record: IncomingRecord, uow: UnitOfWork) -> Sequence[Candidate]:
        """Candidate residents, most probable first (``uow`` is open, for lookups)."""
        ...

    def residents_changed(self, changed: Sequence[Resident]) -> None:
        """Called by the unit of work after a commit, with every resident whose events it
        committed (registered, renamed, moved, merged, unmerged, erased...)."""
        ...


def _value(resident: Resident, name: str) -> str | None:
    match name:
        case "given_name" | "family_name":
            return str(getattr(resident, name)).lower()
        case "date_of_birth":
            return resident.date_of_birth.isoformat() if resident.date_of_birth else None
        case "postcode":
            return resident.addresses[0].postcode if resident.addresses else None
    contact = resident.contact(name)
    return contact.value if contact else None


def evidence(record: IncomingRecord, resident: Resident) -> tuple[FieldEvidence, ...]:
    """Field-by-field comparison, as shown to the officer reviewing a match."""
    found = []
    for name in ("given_name", "family_name", "date_of_birth", "email", "phone", "postcode"):
        raw = getattr(record, name)
        incoming = raw.isoformat() if isinstance(raw, date) else (raw or None)
        if incoming and name in ("given_name", "family_name", "email"):
            incoming = incoming.lower()
        existing = _value(resident, name)
        agreement = (
            "missing"
            if not incoming or not existing
            else "agree"
            if incoming == existing
            else "disagree"
        )
        found.append(FieldEvidence(name, incoming, existing, agreement))
    return tuple(found)


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
