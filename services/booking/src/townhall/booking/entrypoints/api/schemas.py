"""Request and response bodies of the booking API. Times go out as UTC instants and,
for people, as the local time in Europe/London (``local_start``)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from townhall.booking.domain.calendar import local
from townhall.booking.domain.model import Appointment, Hold
from townhall.booking.service_layer.handlers import Calendars
from townhall.booking.views import AppointmentRow, FreeSlot

POSTCODE = r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$"
UPRN = r"^[0-9]{1,12}$"
CancelReason = Literal["no_longer_needed", "rearranging", "council_cancelled", "other"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class SlotChoice(_In):
    resource: str = Field(min_length=1, max_length=64, examples=["bulky-north"])
    starts_at: AwareDatetime = Field(
        description="The slot's start, with its offset (e.g. 2026-03-30T09:00:00+01:00)."
    )

    @field_validator("starts_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return _utc(value)


class HoldRequest(SlotChoice):
    postcode: str | None = Field(
        default=None, pattern=POSTCODE, description="The property's, if the case has none."
    )
    uprn: str | None = Field(default=None, pattern=UPRN, description="The property's UPRN.")


class CancelRequest(_In):
    reason: CancelReason = "no_longer_needed"


class OutcomeRequest(_In):
    outcome: Literal["completed", "no_access", "not_home"]


class SlotOut(BaseModel):
    resource: str
    resource_name: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    local_start: datetime = Field(description="starts_at in Europe/London.")
    places_left: int

    @classmethod
    def of(cls, slot: FreeSlot) -> SlotOut:
        return cls(
            resource=slot.resource,
            resource_name=slot.resource_name,
            kind=slot.kind,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            local_start=local(slot.starts_at),
            places_left=slot.places_left,
        )


class AvailabilityOut(BaseModel):
    reference: str
    service_type: str
    first_day: date
    last_day: date
    timezone: Literal["Europe/London"] = "Europe/London"
    slots: list[SlotOut]


class HoldOut(BaseModel):
    id: uuid.UUID
    reference: str
    resource: str
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    expires_at: datetime

    @classmethod
    def of(cls, hold: Hold) -> HoldOut:
        return cls(
            id=hold.id,
            reference=hold.case.reference,
            resource=hold.resource,
            starts_at=hold.starts_at,
            ends_at=hold.ends_at,
            local_start=local(hold.starts_at),
            expires_at=hold.expires_at,
        )


class AppointmentOut(BaseModel):
    id: uuid.UUID
    reference: str
    service_type: str
    resource: str
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    status: str
    outcome: str | None = None
    replaces: uuid.UUID | None = None
    replaced_by: uuid.UUID | None = None
    cut_off_at: datetime | None = Field(
        default=None,
        description=(
            "Until when the visit may be changed or cancelled (a UTC instant): the "
            "service type's cut-off for its day. Null when the type has no cut-off."
        ),
    )

    @classmethod
    def of(cls, appointment: Appointment, calendars: Calendars) -> AppointmentOut:
        code, starts_at = appointment.case.service_code, appointment.starts_at
        return cls(
            id=appointment.id,
            reference=appointment.case.reference,
            service_type=appointment.case.service_code,
            resource=appointment.resource,
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            local_start=local(appointment.starts_at),
            status=appointment.status,
            outcome=appointment.outcome,
            replaces=appointment.replaces,
            replaced_by=appointment.replaced_by,
            cut_off_at=cut_off_of(calendars, code, starts_at),
        )

    @classmethod
    def of_row(cls, row: AppointmentRow, calendars: Calendars) -> AppointmentOut:
        return cls(
            id=uuid.UUID(row.id),
            reference=row.case_reference,
            service_type=row.service_code,
            resource=row.resource,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            local_start=local(row.starts_at),
            status=row.status,
            outcome=row.outcome,
            replaces=uuid.UUID(row.replaces) if row.replaces else None,
            replaced_by=uuid.UUID(row.replaced_by) if row.replaced_by else None,
            cut_off_at=cut_off_of(calendars, row.service_code, row.starts_at),
        )


def cut_off_of(calendars: Calendars, service_type: str, starts_at: datetime) -> datetime | None:
    """When changes to a visit starting then close, as a UTC instant."""
    calendar = calendars.get(service_type)
    closes = calendar.rules.closes(local(starts_at).date()) if calendar else None
    return closes.astimezone(UTC) if closes else None


class RunSheetOut(BaseModel):
    resource: str
    day: date
    visits: list[AppointmentOut]
