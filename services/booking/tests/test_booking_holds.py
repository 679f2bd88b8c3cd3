"""Holds, confirmations, cancellations and reschedules through the bus, on a real
database: what a resident sees happen, and what is published."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from townhall.booking.adapters.orm import appointments, places
from townhall.booking.bootstrap import Booking, bootstrap
from townhall.booking.domain import commands
from townhall.booking.domain import exceptions as ex
from townhall.booking.domain.calendar import Calendar
from townhall.booking.domain.model import Appointment, Hold
from townhall.booking.testing import CONTEXT, calendar, known_case, settings_for
from townhall.booking.views import availability
from townhall.runtime.clock import ManualClock
from townhall.runtime.tables import outbox
from townhall.schemas.envelope import Envelope

#: Wednesday 4 March 2026, 09:00 GMT: a van slot in the window.
SLOT = datetime(2026, 3, 4, 9, tzinfo=UTC)
SYSTEM = commands.Actor("test", "service")


async def hold(booking: Booking, reference: str, starts_at: datetime = SLOT, **kw: Any) -> Hold:
    command = commands.HoldSlot(reference, "van-1", starts_at, kw.pop("actor", SYSTEM), **kw)
    found: Hold = await booking.bus.handle(command, CONTEXT)
    return found


async def confirm(booking: Booking, reference: str, hold_id: uuid.UUID) -> Appointment:
    found: Appointment = await booking.bus.handle(
        commands.ConfirmHold(reference, hold_id, SYSTEM), CONTEXT
    )
    return found


async def published(booking: Booking) -> list[Envelope]:
    async with booking.runtime.sessions() as session:
        rows = await session.execute(select(outbox.c.envelope).order_by(outbox.c.sequence))
        return [Envelope.model_validate_json(r[0]) for r in rows]


async def count(booking: Booking, table: Any, *where: Any) -> int:
    async with booking.runtime.sessions() as session:
        query = select(func.count()).select_from(table).where(*where)
        return int((await session.execute(query)).scalar_one())


async def test_a_hold_confirmed_becomes_an_appointment_cases_can_read(booking: Booking) -> None:
    case = await known_case(booking)
    held = await hold(booking, case.reference)
    appointment = await confirm(booking, case.reference, held.id)
    assert (appointment.starts_at, appointment.status) == (SLOT, "confirmed")
    events = await published(booking)
    assert [e.type.split(".")[-2] for e in events] == ["held", "confirmed"]
    confirmed = events[-1]
    # The contract cases reads (services/cases/.../consumer.py).
    assert confirmed.data["case_reference"] == case.reference
    assert confirmed.data["resident_id"] == str(case.resident_id)
    assert confirmed.data["appointment_id"] == str(appointment.id)
    assert datetime.fromisoformat(confirmed.data["starts_at"]) == SLOT
    assert (confirmed.domain, confirmed.residentid) == ("pest_control", str(case.resident_id))


async def test_confirming_the_same_hold_twice_gives_the_same_appointment(
    booking: Booking,
) -> None:
    case = await known_case(booking)
    held = await hold(booking, case.reference)
    first = await confirm(booking, case.reference, held.id)
    again = await confirm(booking, case.reference, held.id)
    assert again.id == first.id
    assert [e.type for e in await published(booking)].count(
        "townhall.booking.appointment.confirmed.v1"
    ) == 1


async def test_an_expired_hold_cannot_be_confirmed_and_its_place_is_free_without_a_sweep(
    booking: Booking, clock: ManualClock
) -> None:
    first, second = await known_case(booking), await known_case(booking)
    held = await hold(booking, first.reference)
    with pytest.raises(ex.SlotTakenError):
        await hold(booking, second.reference)
    clock.advance(timedelta(minutes=10))
    taken = await hold(booking, second.reference)  # no sweep ran: the writer reclaimed it
    with pytest.raises(ex.HoldExpiredError):
        await confirm(booking, first.reference, held.id)
    assert (await confirm(booking, second.reference, taken.id)).starts_at == SLOT


async def test_a_cancelled_visit_frees_its_place_and_tells_cases(local_booking: Booking) -> None:
    booking = local_booking
    first, second = await known_case(booking), await known_case(booking)
    appointment = await confirm(booking, first.reference, (await hold(booking, first.reference)).id)
    cancel = commands.CancelAppointment(first.reference, appointment.id, SYSTEM, "not needed")
    assert (await booking.bus.handle(cancel, CONTEXT)).status == "cancelled"
    with pytest.raises(ex.AppointmentStateError):
        await booking.bus.handle(cancel, CONTEXT)
    await hold(booking, second.reference)
    cancelled = (await published(booking))[2]
    assert cancelled.type == "townhall.booking.appointment.cancelled.v1"
    assert cancelled.data["appointment_id"] == str(appointment.id)


async def test_after_the_cut_off_nothing_can_be_cancelled_or_moved(
    local_booking: Booking, clock: ManualClock
) -> None:
    booking = local_booking
    case = await known_case(booking)
    appointment = await confirm(booking, case.reference, (await hold(booking, case.reference)).id)
    clock.now = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 14:00 the day before
    with pytest.raises(ex.CutOffPassedError):
        await booking.bus.handle(
            commands.CancelAppointment(case.reference, appointment.id, SYSTEM), CONTEXT
        )
    move = commands.RescheduleAppointment(
        case.reference, appointment.id, "van-1", SLOT + timedelta(days=2), SYSTEM
    )
    with pytest.raises(ex.CutOffPassedError):
        await booking.bus.handle(move, CONTEXT)
    assert await count(booking, appointments, appointments.c.status == "confirmed") == 1


async def test_a_reschedule_records_the_one_it_replaced_in_one_transaction(
    booking: Booking,
) -> None:
    case = await known_case(booking)
    old = await confirm(booking, case.reference, (await hold(booking, case.reference)).id)
    later = SLOT + timedelta(days=1)
    move = commands.RescheduleAppointment(case.reference, old.id, "van-1", later, SYSTEM)
    new: Appointment = await booking.bus.handle(move, CONTEXT)
    assert (new.replaces, new.starts_at) == (old.id, later)
    statuses = {a.id: a.status for a in [await _get(booking, old.id), await _get(booking, new.id)]}
    assert statuses == {old.id: "rescheduled", new.id: "confirmed"}
    moved = (await published(booking))[-1]
    assert moved.type == "townhall.booking.appointment.rescheduled.v1"
    assert moved.data["replaces"] == str(old.id)
    # the old slot is free again, for someone else
    other = await known_case(booking)
    await hold(booking, other.reference)


async def test_a_reschedule_to_a_taken_slot_changes_nothing(local_booking: Booking) -> None:
    booking = local_booking
    mine, theirs = await known_case(booking), await known_case(booking)
    old = await confirm(booking, mine.reference, (await hold(booking, mine.reference)).id)
    later = SLOT + timedelta(hours=1)
    await hold(booking, theirs.reference, later)
    move = commands.RescheduleAppointment(mine.reference, old.id, "van-1", later, SYSTEM)
    with pytest.raises(ex.SlotTakenError):
        await booking.bus.handle(move, CONTEXT)
    assert (await _get(booking, old.id)).status == "confirmed"
    assert await count(booking, places, places.c.holder_id == old.id) == 2


async def test_one_booking_per_property_per_day_for_a_service(local_booking: Booking) -> None:
    booking = local_booking
    first = await known_case(booking, uprn="100023336956")
    second = await known_case(booking, uprn="100023336956")
    await confirm(booking, first.reference, (await hold(booking, first.reference)).id)
    with pytest.raises(ex.SlotTakenError, match="this property already has a booking"):
        await hold(booking, second.reference, SLOT + timedelta(hours=1))
    await hold(booking, second.reference, SLOT + timedelta(days=1))


async def test_a_case_with_a_visit_booked_is_told_to_reschedule(local_booking: Booking) -> None:
    booking = local_booking
    case = await known_case(booking)
    await confirm(booking, case.reference, (await hold(booking, case.reference)).id)
    with pytest.raises(ex.AppointmentStateError, match="reschedule"):
        await hold(booking, case.reference, SLOT + timedelta(days=1))


async def test_a_new_hold_releases_the_cases_earlier_one(local_booking: Booking) -> None:
    booking = local_booking
    case, other = await known_case(booking), await known_case(booking)
    await hold(booking, case.reference)
    await hold(booking, case.reference, SLOT + timedelta(hours=1))
    await hold(booking, other.reference)  # the first slot is free again


async def test_a_case_booking_does_not_know_or_without_a_postcode_is_refused(
    local_booking: Booking,
) -> None:
    booking = local_booking
    with pytest.raises(ex.CaseNotKnownError):
        await hold(booking, "PC-2026-999999")
    nowhere = await known_case(booking, postcode=None)
    with pytest.raises(ex.NoLocationError):
        await hold(booking, nowhere.reference)
    await hold(booking, nowhere.reference, postcode="N7 1AA")
    other = await known_case(booking, service_code="parking")
    with pytest.raises(ex.NoCalendarError):
        await hold(booking, other.reference)


async def test_residents_book_only_for_their_own_cases(local_booking: Booking) -> None:
    booking = local_booking
    case = await known_case(booking)
    stranger = commands.Actor(str(uuid.uuid4()), "resident", {}, 1)
    with pytest.raises(ex.CaseNotKnownError):
        await hold(booking, case.reference, actor=stranger)
    owner = commands.Actor(str(case.resident_id), "resident", {}, 1)
    await hold(booking, case.reference, actor=owner)


async def _get(booking: Booking, appointment_id: uuid.UUID) -> Appointment:
    uow = booking.bus.uow_factory()
    async with uow:
        found = await uow.appointments.get(appointment_id)
    assert found is not None
    return found


async def test_availability_counts_slot_places_the_rounds_day_cap_and_the_property(
    sqlite_url: str, clock: ManualClock
) -> None:
    capped = calendar(
        resources=[
            {
                "code": "van-1",
                "name": "Round",
                "kind": "crew",
                "areas": ["N"],
                "hours": {"mon-sun": "09:00-12:00"},
                "slot_minutes": 60,
                "capacity": 2,
                "day_cap": 3,
            }
        ]
    )
    booking = bootstrap(settings_for(sqlite_url), calendars={"pest_control": capped}, clock=clock)
    await booking.runtime.start()
    try:
        await _availability_of_a_capped_round(booking, capped, clock)
    finally:
        await booking.runtime.stop()


async def _availability_of_a_capped_round(
    booking: Booking, capped: Calendar, clock: ManualClock
) -> None:
    cases = [await known_case(booking, uprn=f"10000000000{i}") for i in range(4)]
    for case, hours in zip(cases[:3], (0, 0, 1), strict=True):
        held = await hold(booking, case.reference, SLOT + timedelta(hours=hours))
        await confirm(booking, case.reference, held.id)
    uow = booking.bus.uow_factory()
    async with uow:
        mine = await uow.cases.get(cases[3].reference)
        first = await uow.cases.get(cases[0].reference)
    assert mine is not None and first is not None
    async with booking.runtime.sessions() as session:
        free = await availability(session, capped, mine, "N1 2AB", clock())
        theirs = await availability(session, capped, first, "N1 2AB", clock())
    on_the_day = [s for s in free if s.starts_at.date() == SLOT.date()]
    assert on_the_day == []  # 3 bookings: the round's day is full
    next_day = [
        s.places_left for s in free if s.starts_at.date() == (SLOT + timedelta(days=1)).date()
    ]
    assert next_day == [2, 2, 2]
    assert not [s for s in theirs if s.starts_at.date() == SLOT.date()]
