"""One short handler per command. Each writes in one transaction; where it takes
places, a race lost to another writer (the database refused the place) is tried again
with what is now taken, a few times, then answered as taken. A transaction PostgreSQL
aborts as deadlocked or not serializable (concurrent bookings locking places in another
order) is run again, a few times with random waits, then answered 503 with Retry-After
(:mod:`townhall.runtime.conflicts`): never a 500, and nothing half-written."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from townhall.booking.adapters.repository import PlaceRaceError
from townhall.booking.domain import commands
from townhall.booking.domain import exceptions as ex
from townhall.booking.domain.calendar import Calendar, Offer, local
from townhall.booking.domain.model import (
    Appointment,
    CaseContext,
    Hold,
    pools_for,
    property_of,
)
from townhall.booking.service_layer.permissions import require_area_officer, require_booker
from townhall.booking.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock
from townhall.runtime.conflicts import retry_conflicts

Calendars = Mapping[str, Calendar]
T = TypeVar("T")
#: How many times a write that lost a race for a place is tried again.
ATTEMPTS = 8


async def _retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """``attempt`` (one whole transaction) again while it loses a race for a place, or
    the database aborts it as clashing with another transaction."""

    async def racing() -> T:
        for _ in range(ATTEMPTS - 1):
            try:
                return await attempt()
            except PlaceRaceError:
                continue
        try:
            return await attempt()
        except PlaceRaceError as exc:
            raise ex.SlotTakenError(str(exc)) from None

    return await retry_conflicts(racing)


async def _case(uow: UnitOfWork, reference: str, actor: commands.Actor) -> CaseContext:
    case = await uow.cases.get(reference)
    if case is None:
        raise ex.CaseNotKnownError(reference)
    require_booker(actor, case)
    return case


def calendar_of(calendars: Calendars, case: CaseContext) -> Calendar:
    calendar = calendars.get(case.service_code)
    if calendar is None:
        raise ex.NoCalendarError(case.service_code)
    return calendar


async def record_case(cmd: commands.RecordCase, uow: UnitOfWork) -> None:
    case = CaseContext(
        cmd.reference,
        cmd.case_id,
        cmd.service_code,
        cmd.domain,
        cmd.sensitivity,
        cmd.resident_id,
        cmd.postcode,
        cmd.uprn,
        cmd.postcode_sector,
    )
    async with uow:
        await uow.cases.put(case)
        await uow.commit()


async def hold_slot(
    cmd: commands.HoldSlot, uow: UnitOfWork, *, clock: Clock, calendars: Calendars
) -> Hold:
    """Reserve a slot for a case until the hold expires; a case's earlier live hold is
    released (one at a time)."""

    async def attempt() -> Hold:
        async with uow:
            case = await _case(uow, cmd.reference, cmd.actor)
            calendar = calendar_of(calendars, case)
            postcode = cmd.postcode or case.where
            if postcode is None:
                raise ex.NoLocationError(case.reference)
            if (cmd.postcode and case.postcode is None) or (cmd.uprn and case.uprn is None):
                case = replace(
                    case, postcode=case.postcode or cmd.postcode, uprn=case.uprn or cmd.uprn
                )
                await uow.cases.put(case)  # where the case is, remembered for changes
            now = clock()
            offer = calendar.offer(cmd.resource, cmd.starts_at, postcode, now)
            if await uow.appointments.confirmed_of_case(case.reference):
                raise ex.AppointmentStateError(
                    f"case {case.reference} already has a visit booked: reschedule it instead"
                )
            for earlier in await uow.holds.live_of_case(case.reference, now):
                await uow.places.release(earlier)
            hold = Hold(
                id=uuid.uuid4(),
                case=case,
                resource=offer.resource.code,
                starts_at=offer.starts_at,
                ends_at=offer.ends_at,
                property_key=property_of(case, cmd.uprn),
                expires_at=now + calendar.rules.hold_ttl,
                held_by=cmd.actor.label,
            )
            pools = pools_for(offer, case.service_code, hold.property_key)
            await uow.places.take(pools, hold.id, hold.expires_at, now)
            await uow.holds.add(hold, len(pools), now)
            hold.record_held()
            await uow.commit()
            return hold

    return await _retrying(attempt)


async def confirm_hold(
    cmd: commands.ConfirmHold, uow: UnitOfWork, *, clock: Clock, calendars: Calendars
) -> Appointment:
    """Turn a live hold into an appointment; the same hold again gives the same one."""
    return await retry_conflicts(lambda: _confirm(cmd, uow, clock(), calendars))


async def _confirm(
    cmd: commands.ConfirmHold, uow: UnitOfWork, now: datetime, calendars: Calendars
) -> Appointment:
    async with uow:
        case = await _case(uow, cmd.reference, cmd.actor)
        if (done := await uow.appointments.by_hold(cmd.hold_id)) is not None:
            return done
        found = await uow.holds.get(cmd.hold_id, case)
        if found is None:
            raise ex.HoldNotFoundError(cmd.hold_id)
        hold, pools = found
        rules = calendar_of(calendars, case).rules
        if not rules.open_for_changes(hold.starts_at, now):
            raise ex.CutOffPassedError(hold.starts_at, rules.closes(local(hold.starts_at).date()))
        appointment = Appointment(
            id=uuid.uuid4(),
            case=case,
            resource=hold.resource,
            starts_at=hold.starts_at,
            ends_at=hold.ends_at,
            property_key=hold.property_key,
            status="confirmed",
            booked_by=cmd.actor.label,
            created_at=now,
            hold_id=hold.id,
        )
        if await uow.places.convert(hold.id, appointment.id, now) != pools:
            # Confirmed meanwhile by another request (that one's appointment stands),
            # or expired and released.
            if (done := await uow.appointments.by_hold(cmd.hold_id)) is not None:
                return done
            raise ex.HoldExpiredError(hold.id)
        await uow.appointments.add(appointment)
        appointment.confirmed()
        await uow.commit()
        return appointment


async def _appointment(
    uow: UnitOfWork, reference: str, appointment_id: uuid.UUID, actor: commands.Actor
) -> Appointment:
    case = await _case(uow, reference, actor)
    appointment = await uow.appointments.get(appointment_id)
    if appointment is None or appointment.case.reference != case.reference:
        raise ex.AppointmentNotFoundError(appointment_id)
    return appointment


def _require_open(calendar: Calendar, appointment: Appointment, now: datetime) -> None:
    if not calendar.rules.open_for_changes(appointment.starts_at, now):
        raise ex.CutOffPassedError(appointment.starts_at, calendar.rules.closes(appointment.day))


async def cancel_appointment(
    cmd: commands.CancelAppointment, uow: UnitOfWork, *, clock: Clock, calendars: Calendars
) -> Appointment:
    async def attempt() -> Appointment:
        async with uow:
            appointment = await _appointment(uow, cmd.reference, cmd.appointment_id, cmd.actor)
            appointment.require_confirmed()
            _require_open(calendar_of(calendars, appointment.case), appointment, clock())
            appointment.cancel(cmd.actor.label, cmd.reason)
            await uow.places.release(appointment.id)
            await uow.appointments.save(appointment)
            await uow.commit()
            return appointment

    return await retry_conflicts(attempt)


async def reschedule_appointment(
    cmd: commands.RescheduleAppointment, uow: UnitOfWork, *, clock: Clock, calendars: Calendars
) -> Appointment:
    """Move a booked visit: the old one's places are released and the new one's taken
    in one transaction, so the resident never has both, nor neither."""

    async def attempt() -> Appointment:
        async with uow:
            old = await _appointment(uow, cmd.reference, cmd.appointment_id, cmd.actor)
            old.require_confirmed()
            calendar = calendar_of(calendars, old.case)
            now = clock()
            _require_open(calendar, old, now)
            offer: Offer = calendar.offer(cmd.resource, cmd.starts_at, old.case.where, now)
            await uow.places.release(old.id)
            new = Appointment(
                id=uuid.uuid4(),
                case=old.case,
                resource=offer.resource.code,
                starts_at=offer.starts_at,
                ends_at=offer.ends_at,
                property_key=old.property_key,
                status="confirmed",
                booked_by=cmd.actor.label,
                created_at=now,
                replaces=old.id,
            )
            pools = pools_for(offer, old.case.service_code, old.property_key)
            await uow.places.take(pools, new.id, None, now)
            old.rescheduled_to(new, cmd.actor.label)
            await uow.appointments.save(old)
            await uow.appointments.add(new)
            await uow.commit()
            return new

    return await _retrying(attempt)


async def record_visit(cmd: commands.RecordVisit, uow: UnitOfWork, *, clock: Clock) -> Appointment:
    async def attempt() -> Appointment:
        async with uow:
            appointment = await uow.appointments.get(cmd.appointment_id)
            if appointment is None:
                raise ex.AppointmentNotFoundError(cmd.appointment_id)
            case = appointment.case
            if cmd.actor.kind != "service":
                require_area_officer(cmd.actor, case.domain, case.sensitivity)
            appointment.record_outcome(cmd.outcome, cmd.actor.label, clock())
            await uow.appointments.save(appointment)
            await uow.commit()
            return appointment

    return await retry_conflicts(attempt)


async def forget_resident(cmd: commands.ForgetResident, uow: UnitOfWork) -> int:
    async with uow:
        blanked = await uow.cases.blank_resident(cmd.resident_id)
        await uow.commit()
    return blanked
