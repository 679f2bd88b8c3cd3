"""What happened, as the domain sees it (standard library only).

Events about residents keep their personal data in ``personal``, in clear: the unit of
work seals it under the resident's data key when it maps them to contracts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

Personal = dict[str, Any]


@dataclass(frozen=True)
class ResidentRegistered:
    resident_id: UUID
    channel: str
    personal: Personal = field(default_factory=dict)


@dataclass(frozen=True)
class ResidentDetailsChanged:
    resident_id: UUID
    changed: list[str]
    personal: Personal


@dataclass(frozen=True)
class ResidentMoved:
    resident_id: UUID
    personal: Personal


@dataclass(frozen=True)
class ResidentContactPointsChanged:
    resident_id: UUID
    personal: Personal


@dataclass(frozen=True)
class ResidentIdentifierLinked:
    resident_id: UUID
    system: str
    personal: Personal


@dataclass(frozen=True)
class ResidentAssuranceRaised:
    resident_id: UUID
    loa: int
    evidence: str
    officer_id: UUID | None


@dataclass(frozen=True)
class OneTimeCodeIssued:
    resident_id: UUID
    reference: str
    channel: str
    personal: Personal
    #: The language the resident asked in (None: their own preference).
    language: str | None = None


@dataclass(frozen=True)
class ContactPointAlreadyRegistered:
    resident_id: UUID
    channel: str
    attempted: str
    personal: Personal


@dataclass(frozen=True)
class ResidentErased:
    resident_id: UUID


@dataclass(frozen=True)
class ResidentMerged:
    resident_id: UUID  # the surviving id
    merged_id: UUID


@dataclass(frozen=True)
class ResidentUnmerged:
    resident_id: UUID  # the id that had survived
    unmerged_id: UUID


@dataclass(frozen=True)
class ConsentGranted:
    resident_id: UUID
    domain: str


@dataclass(frozen=True)
class ConsentWithdrawn:
    resident_id: UUID
    domain: str


@dataclass(frozen=True)
class OfficerCreated:
    officer_id: UUID


@dataclass(frozen=True)
class OfficerRoleGranted:
    officer_id: UUID
    domain: str
    clearance: str
    granted_by: UUID


@dataclass(frozen=True)
class OfficerRoleRevoked:
    officer_id: UUID
    domain: str
    revoked_by: UUID


DomainEvent = (
    ResidentRegistered
    | ResidentDetailsChanged
    | ResidentMoved
    | ResidentContactPointsChanged
    | ResidentIdentifierLinked
    | ResidentAssuranceRaised
    | ResidentErased
    | OneTimeCodeIssued
    | ContactPointAlreadyRegistered
    | ResidentMerged
    | ResidentUnmerged
    | ConsentGranted
    | ConsentWithdrawn
    | OfficerCreated
    | OfficerRoleGranted
    | OfficerRoleRevoked
)
