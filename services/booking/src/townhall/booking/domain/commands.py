"""Booking's commands: imperative, small and frozen; each has one handler."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """Who asks: the domain's reading of a verified caller."""

    subject: str
    kind: str  # resident | officer | service | anonymous
    clearances: dict[str, tuple[str, ...]] = field(default_factory=dict)
    loa: int = 0

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.subject}"


SYSTEM = Actor("booking", "system")


@dataclass(frozen=True)
class RecordCase:
    """Cases opened a case: remember what booking needs of it."""

    reference: str
    case_id: uuid.UUID
    service_code: str
    domain: str
    sensitivity: str
    resident_id: uuid.UUID | None
    postcode: str | None = None
    uprn: str | None = None
    postcode_sector: str | None = None


@dataclass(frozen=True)
class HoldSlot:
    reference: str
    resource: str
    starts_at: datetime
    actor: Actor
    postcode: str | None = None
    uprn: str | None = None


@dataclass(frozen=True)
class ConfirmHold:
    reference: str
    hold_id: uuid.UUID
    actor: Actor


@dataclass(frozen=True)
class CancelAppointment:
    reference: str
    appointment_id: uuid.UUID
    actor: Actor
    reason: str = ""


@dataclass(frozen=True)
class RescheduleAppointment:
    reference: str
    appointment_id: uuid.UUID
    resource: str
    starts_at: datetime
    actor: Actor


@dataclass(frozen=True)
class RecordVisit:
    appointment_id: uuid.UUID
    outcome: str
    actor: Actor


@dataclass(frozen=True)
class SendDueReminders:
    limit: int = 500


@dataclass(frozen=True)
class SweepExpiredHolds:
    limit: int = 1000


@dataclass(frozen=True)
class ForgetResident:
    """Identity erased a resident: forget where their cases are."""

    resident_id: uuid.UUID
