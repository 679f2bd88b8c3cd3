"""Booking's domain events, past tense; the contracts they become are in
``townhall.schemas.events.booking`` (same field names)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, kw_only=True)
class BookingEvent:
    case_reference: str
    case_id: uuid.UUID
    resident_id: uuid.UUID | None
    service_code: str
    domain: str
    sensitivity: str
    resource: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, kw_only=True)
class SlotHeld(BookingEvent):
    hold_id: uuid.UUID
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class AppointmentConfirmed(BookingEvent):
    appointment_id: uuid.UUID
    hold_id: uuid.UUID | None
    replaces: uuid.UUID | None
    booked_by: str


@dataclass(frozen=True, kw_only=True)
class AppointmentCancelled(BookingEvent):
    appointment_id: uuid.UUID
    cancelled_by: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class AppointmentRescheduled(BookingEvent):
    appointment_id: uuid.UUID
    replaces: uuid.UUID
    previous_resource: str
    previous_starts_at: datetime
    rescheduled_by: str


@dataclass(frozen=True, kw_only=True)
class VisitRecorded(BookingEvent):
    appointment_id: uuid.UUID
    outcome: str
    recorded_by: str


@dataclass(frozen=True, kw_only=True)
class ReminderDue(BookingEvent):
    appointment_id: uuid.UUID
    days_before: int
