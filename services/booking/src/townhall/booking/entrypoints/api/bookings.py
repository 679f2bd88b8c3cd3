"""A case's bookings: availability, holds, confirmations, cancellations, moves."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Query, Response

from townhall.booking import views
from townhall.booking.domain import commands
from townhall.booking.domain.exceptions import CaseNotKnownError, NoLocationError
from townhall.booking.entrypoints.api.dependencies import (
    Bus,
    CalendarsDep,
    Cancels,
    CaseReference,
    Confirms,
    Context,
    Holds,
    ReadsAppointments,
    ReadsAvailability,
    Reschedules,
    ServicesDep,
    Session,
)
from townhall.booking.entrypoints.api.schemas import (
    POSTCODE,
    UPRN,
    AppointmentOut,
    AvailabilityOut,
    CancelRequest,
    HoldOut,
    HoldRequest,
    SlotChoice,
    SlotOut,
)
from townhall.booking.service_layer.handlers import calendar_of
from townhall.booking.service_layer.permissions import require_booker
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/cases/{reference}", tags=["bookings"])


@router.get("/availability", response_model=AvailabilityOut, responses=problems(404, 422))
async def availability(
    reference: CaseReference,
    services: ServicesDep,
    session: Session,
    actor: ReadsAvailability,
    postcode: str | None = Query(default=None, pattern=POSTCODE),
    uprn: str | None = Query(default=None, pattern=UPRN),
    days: int | None = Query(default=None, ge=1, le=366),
) -> AvailabilityOut:
    """The free slots in the booking window for the case's property (service type and
    location from the case, whose sector cases publishes; ``postcode`` when the case has
    none); ``days``: only the
    window's first days (a page's worth)."""
    uow = services.bus.uow_factory()
    async with uow:
        case = await uow.cases.get(reference)
    if case is None:
        raise CaseNotKnownError(reference)
    require_booker(actor, case)
    calendar = calendar_of(services.calendars, case)
    where = postcode or case.where
    if where is None:
        raise NoLocationError(reference)
    now = services.clock()
    slots = await views.availability(
        session, calendar, case, where, now, uprn, days, kept=services.days
    )
    first, last = calendar.rules.window(now)
    if days is not None:
        last = min(last, first + timedelta(days=days - 1))
    return AvailabilityOut(
        reference=reference,
        service_type=case.service_code,
        first_day=first,
        last_day=last,
        slots=[SlotOut.of(slot) for slot in slots],
    )


@router.post("/holds", status_code=201, response_model=HoldOut, responses=problems(404, 409, 422))
async def hold_slot(
    reference: CaseReference, body: HoldRequest, bus: Bus, context: Context, actor: Holds
) -> HoldOut:
    """Hold a slot until ``expires_at``; the case's earlier hold, if any, is released."""
    command = commands.HoldSlot(
        reference, body.resource, body.starts_at, actor, body.postcode, body.uprn
    )
    return HoldOut.of(await bus.handle(command, context))


@router.post(
    "/holds/{hold_id}/confirm", response_model=AppointmentOut, responses=problems(404, 409)
)
async def confirm_hold(
    reference: CaseReference,
    hold_id: uuid.UUID,
    bus: Bus,
    context: Context,
    actor: Confirms,
    calendars: CalendarsDep,
) -> AppointmentOut:
    """Book the held slot. Confirming the same hold again answers the same appointment."""
    command = commands.ConfirmHold(reference, hold_id, actor)
    return AppointmentOut.of(await bus.handle(command, context), calendars)


@router.get("/appointments", response_model=list[AppointmentOut], responses=problems(404))
async def list_appointments(
    reference: CaseReference, services: ServicesDep, session: Session, actor: ReadsAppointments
) -> list[AppointmentOut]:
    uow = services.bus.uow_factory()
    async with uow:
        case = await uow.cases.get(reference)
    if case is None:
        raise CaseNotKnownError(reference)
    require_booker(actor, case)
    rows = await views.appointments_of_case(session, reference)
    return [AppointmentOut.of_row(row, services.calendars) for row in rows]


@router.post(
    "/appointments/{appointment_id}/cancel",
    response_model=AppointmentOut,
    responses=problems(404, 409),
)
async def cancel_appointment(
    reference: CaseReference,
    appointment_id: uuid.UUID,
    body: CancelRequest,
    bus: Bus,
    context: Context,
    actor: Cancels,
    calendars: CalendarsDep,
) -> AppointmentOut:
    command = commands.CancelAppointment(reference, appointment_id, actor, body.reason)
    return AppointmentOut.of(await bus.handle(command, context), calendars)


@router.post(
    "/appointments/{appointment_id}/reschedule",
    status_code=201,
    response_model=AppointmentOut,
    responses=problems(404, 409, 422),
)
async def reschedule_appointment(
    reference: CaseReference,
    appointment_id: uuid.UUID,
    body: SlotChoice,
    bus: Bus,
    context: Context,
    actor: Reschedules,
    response: Response,
    calendars: CalendarsDep,
) -> AppointmentOut:
    """Move the visit: the answer is the new appointment (``replaces`` the old one)."""
    command = commands.RescheduleAppointment(
        reference, appointment_id, body.resource, body.starts_at, actor
    )
    moved = AppointmentOut.of(await bus.handle(command, context), calendars)
    response.headers["Location"] = f"/cases/{reference}/appointments/{moved.id}"
    return moved
