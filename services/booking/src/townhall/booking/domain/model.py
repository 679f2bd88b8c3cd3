"""Holds and appointments, and the places they take.

A booking takes one *place* in each of its pools: the slot's (as many places as the
resource's capacity), the resource's day (rounds capped per day) and the property's day
for that service type (one place: one booking per property per date). The database
keeps one row per place taken, keyed by pool and place number, so two bookings can never
hold the same place: that key is the guard against double booking, checked by the
database in the transaction that writes the booking. A hold's places carry its expiry;
once past it they count as free everywhere, and the next writer reclaims them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from townhall.booking.domain import events
from townhall.booking.domain.calendar import Offer, local
from townhall.booking.domain.exceptions import AppointmentStateError

PoolKind = Literal["slot", "day", "property"]
Outcome = Literal["completed", "no_access", "not_home"]
OUTCOMES: tuple[str, ...] = ("completed", "no_access", "not_home")


@dataclass(frozen=True)
class Pool:
    """Places that bookings share; a booking takes one."""

    key: str
    kind: PoolKind
    capacity: int
    day: date
    resource: str | None = None


@dataclass(frozen=True)
class CaseContext:
    """What booking knows of a case, learned from cases' ``case.submitted``."""

    reference: str
    case_id: uuid.UUID
    service_code: str
    domain: str
    sensitivity: str
    resident_id: uuid.UUID | None
    postcode: str | None = None
    uprn: str | None = None
    #: The postcode's sector ("N1 2"), from ``case.submitted``: cases publishes the full
    #: postcode and the UPRN only sealed, and booking holds no key to open them.
    postcode_sector: str | None = None

    @property
    def where(self) -> str | None:
        """Where the visit goes, as finely as booking knows it: the full postcode (given
        with a hold), else its sector; None when the case gave neither."""
        return self.postcode or self.postcode_sector


def property_of(case: CaseContext, uprn: str | None) -> str:
    """The property a booking is for: its UPRN where known, else the case itself."""
    found = uprn or case.uprn
    return f"uprn:{found}" if found else f"case:{case.reference}"


def slot_pool(resource: str, starts_at: datetime) -> str:
    return f"slot/{resource}/{starts_at.isoformat()}"


def day_pool(resource: str, day: date) -> str:
    return f"day/{resource}/{day}"


def property_pool(service_type: str, property_key: str, day: date) -> str:
    return f"property/{service_type}/{property_key}/{day}"


def pools_for(offer: Offer, service_type: str, property_key: str) -> list[Pool]:
    """Every pool a booking of ``offer`` takes a place in, in a fixed order (so that
    two writers wanting the same places always ask for them in the same order)."""
    resource = offer.resource
    day = offer.day
    code = resource.code
    found = [Pool(slot_pool(code, offer.starts_at), "slot", resource.capacity, day, code)]
    if resource.day_cap is not None:
        found.append(Pool(day_pool(code, day), "day", resource.day_cap, day, code))
    found.append(Pool(property_pool(service_type, property_key, day), "property", 1, day))
    return sorted(found, key=lambda pool: pool.key)


@dataclass
class Hold:
    id: uuid.UUID
    case: CaseContext
    resource: str
    starts_at: datetime
    ends_at: datetime
    property_key: str
    expires_at: datetime
    held_by: str
    events: list[Any] = field(default_factory=list)

    def live(self, now: datetime) -> bool:
        return now < self.expires_at

    def record_held(self) -> None:
        self.events.append(
            events.SlotHeld(
                **_case_fields(self.case),
                hold_id=self.id,
                resource=self.resource,
                starts_at=self.starts_at,
                ends_at=self.ends_at,
                expires_at=self.expires_at,
            )
        )


@dataclass
class Appointment:
    id: uuid.UUID
    case: CaseContext
    resource: str
    starts_at: datetime
    ends_at: datetime
    property_key: str
    status: Literal["confirmed", "cancelled", "rescheduled", "visited"]
    booked_by: str
    created_at: datetime
    hold_id: uuid.UUID | None = None
    replaces: uuid.UUID | None = None
    replaced_by: uuid.UUID | None = None
    outcome: str | None = None
    version: int = 0
    events: list[Any] = field(default_factory=list)

    @property
    def day(self) -> date:
        return local(self.starts_at).date()

    def _fields(self) -> dict[str, Any]:
        return {
            **_case_fields(self.case),
            "appointment_id": self.id,
            "resource": self.resource,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
        }

    def confirmed(self) -> None:
        self.events.append(
            events.AppointmentConfirmed(
                **self._fields(),
                hold_id=self.hold_id,
                replaces=self.replaces,
                booked_by=self.booked_by,
            )
        )

    def require_confirmed(self) -> None:
        if self.status != "confirmed":
            raise AppointmentStateError(f"appointment {self.id} is {self.status}")

    def cancel(self, by: str, reason: str) -> None:
        self.require_confirmed()
        self.status = "cancelled"
        self.events.append(
            events.AppointmentCancelled(**self._fields(), cancelled_by=by, reason=reason)
        )

    def rescheduled_to(self, new: Appointment, by: str) -> None:
        self.require_confirmed()
        self.status = "rescheduled"
        self.replaced_by = new.id
        new.events.append(
            events.AppointmentRescheduled(
                **new._fields(),
                replaces=self.id,
                previous_resource=self.resource,
                previous_starts_at=self.starts_at,
                rescheduled_by=by,
            )
        )

    def record_outcome(self, outcome: str, by: str, now: datetime) -> None:
        self.require_confirmed()
        if now < self.starts_at:
            raise AppointmentStateError(f"the visit of appointment {self.id} has not started yet")
        self.status = "visited"
        self.outcome = outcome
        self.events.append(events.VisitRecorded(**self._fields(), outcome=outcome, recorded_by=by))

    def reminder_due(self, days_before: int) -> None:
        self.events.append(events.ReminderDue(**self._fields(), days_before=days_before))


def _case_fields(case: CaseContext) -> dict[str, Any]:
    return {
        "case_reference": case.reference,
        "case_id": case.case_id,
        "resident_id": case.resident_id,
        "service_code": case.service_code,
        "domain": case.domain,
        "sensitivity": case.sensitivity,
    }
