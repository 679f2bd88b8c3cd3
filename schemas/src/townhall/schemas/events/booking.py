"""Events published by the booking service on ``booking.events``.

Every event is about one case's booking, so it carries the case's ``case_reference``
(resident-view puts it on that request's timeline) and, like cases' events, the domain
and sensitivity of the case's service type (the envelope takes them from there).

Times are UTC instants (``starts_at``, ``ends_at``); show them in Europe/London. Cases
reacts to ``appointment.confirmed`` (the case is scheduled) and ``appointment.cancelled``
(it goes back to wait for a new booking): their fields ``case_reference``,
``resident_id``, ``appointment_id`` and ``starts_at`` are a contract with cases.
A reschedule is one ``appointment.rescheduled`` (the new appointment, naming the one it
replaced), not a cancellation and a confirmation: the case stays scheduled.

Nothing here is free text about a resident: the property a booking is for (a UPRN or
postcode) stays in booking's database and is not published.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from townhall.schemas.envelope import Sensitivity
from townhall.schemas.events.base import DomainEvent

VisitOutcome = Literal["completed", "no_access", "not_home"]


class _BookingEvent(DomainEvent):
    SOURCE: ClassVar[str] = "/townhall/booking"
    DOMAIN: ClassVar[str] = "booking"

    case_reference: str = Field(description="The case booked for, e.g. BW-2026-000123.")
    case_id: UUID = Field(description="The case's id.")
    resident_id: UUID | None = Field(default=None, description="The case's resident, if known.")
    service_code: str = Field(description="The case's service type, e.g. bulky_waste.")
    domain: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="The service area.")
    sensitivity: Sensitivity = Field(description="How sensitive the service type is.")
    resource: str = Field(description="The crew, van, officer or counter booked (its code).")
    starts_at: datetime = Field(description="When the visit starts (UTC).")
    ends_at: datetime = Field(description="When the slot ends (UTC).")

    def envelope_domain(self) -> str:
        return self.domain

    def envelope_sensitivity(self) -> Sensitivity:
        return self.sensitivity


class _AppointmentEvent(_BookingEvent):
    appointment_id: UUID = Field(description="The appointment.")

    @property
    def subject(self) -> str:
        return f"appointment/{self.appointment_id}"


class SlotHeld(_BookingEvent):
    """A slot is held for a case until ``expires_at``, waiting to be confirmed."""

    TYPE: ClassVar[str] = "townhall.booking.slot.held.v1"
    SUMMARY: ClassVar[str] = "Visit slot held"

    hold_id: UUID
    expires_at: datetime = Field(description="The hold is released then unless confirmed.")

    @property
    def subject(self) -> str:
        return f"hold/{self.hold_id}"


class AppointmentConfirmed(_AppointmentEvent):
    """A visit is booked."""

    TYPE: ClassVar[str] = "townhall.booking.appointment.confirmed.v1"
    SUMMARY: ClassVar[str] = "Visit booked"

    hold_id: UUID | None = Field(default=None, description="The hold it was confirmed from.")
    replaces: UUID | None = Field(default=None, description="Unused here: see rescheduled.")
    booked_by: str = Field(description="resident:<id>, officer:<id> or service:<client>.")


class AppointmentCancelled(_AppointmentEvent):
    """A booked visit was cancelled; the case waits for a new booking."""

    TYPE: ClassVar[str] = "townhall.booking.appointment.cancelled.v1"
    SUMMARY: ClassVar[str] = "Visit cancelled"

    cancelled_by: str
    reason: str = Field(
        default="", description="The council's fixed words for why; never a resident's text."
    )


class AppointmentRescheduled(_AppointmentEvent):
    """A booked visit moved: ``appointment_id`` is the new appointment, ``replaces`` the
    old one, which is no longer booked (one transaction: never both, never neither)."""

    TYPE: ClassVar[str] = "townhall.booking.appointment.rescheduled.v1"
    SUMMARY: ClassVar[str] = "Visit moved"

    replaces: UUID
    previous_resource: str
    previous_starts_at: datetime
    rescheduled_by: str


class VisitRecorded(_AppointmentEvent):
    """An officer recorded how the visit went."""

    TYPE: ClassVar[str] = "townhall.booking.appointment.visited.v1"
    SUMMARY: ClassVar[str] = "Visit outcome recorded"

    outcome: VisitOutcome
    recorded_by: str


class ReminderDue(_AppointmentEvent):
    """A reminder of the visit is due (notifications sends it)."""

    TYPE: ClassVar[str] = "townhall.booking.appointment.reminder_due.v1"
    SUMMARY: ClassVar[str] = "Visit reminder"

    days_before: int = Field(gt=0, description="How many days before the visit this is.")
