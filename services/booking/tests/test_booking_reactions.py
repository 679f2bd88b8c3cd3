"""What booking learns from other services' events, and what passing time does:
cases it may book for, erasures, reminders falling due, expired holds swept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from townhall.booking.adapters.orm import appointments, booking_cases, places
from townhall.booking.bootstrap import Booking
from townhall.booking.domain import commands
from townhall.booking.domain.model import Appointment, Hold
from townhall.booking.entrypoints.consumer import Reactions, validate
from townhall.booking.testing import CONTEXT, SERVICE, SLOT, known_case
from townhall.runtime.clock import ManualClock
from townhall.runtime.tables import outbox
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events.cases import CaseSubmitted
from townhall.schemas.events.identity import ResidentErased


def _submitted(reference: str, resident_id: uuid.UUID) -> Envelope:
    event = CaseSubmitted(
        case_id=uuid.uuid4(),
        reference=reference,
        service_code="pest_control",
        resident_id=resident_id,
        domain="pest_control",
        sensitivity=Sensitivity.PERSONAL,
        status="submitted",
        channel="online",
        submitted_by="resident",
        due_at=SLOT,
        postcode_sector="N1 2",
    )
    return event.to_envelope(sequence=1, time=SLOT, correlation_id="c")


async def _book(booking: Booking, reference: str, starts_at: datetime = SLOT) -> Appointment:
    held: Hold = await booking.bus.handle(
        commands.HoldSlot(reference, "van-1", starts_at, SERVICE, postcode="N1 2AB"), CONTEXT
    )
    done: Appointment = await booking.bus.handle(
        commands.ConfirmHold(reference, held.id, SERVICE), CONTEXT
    )
    return done


async def test_a_submitted_case_becomes_bookable_once_however_often_it_arrives(
    local_booking: Booking,
) -> None:
    booking, resident = local_booking, uuid.uuid4()
    envelope = _submitted("PC-2026-000042", resident)
    reactions = Reactions(booking.bus)
    for _ in range(2):
        async with booking.runtime.sessions() as session:
            await reactions(session, [envelope])
            await session.commit()
    async with booking.runtime.sessions() as session:
        known = (await session.execute(select(booking_cases))).all()
    assert [(r.reference, r.resident_id, r.postcode_sector, r.postcode) for r in known] == [
        ("PC-2026-000042", resident, "N1 2", None)
    ]
    assert (await _book(booking, "PC-2026-000042")).starts_at == SLOT


async def test_a_case_arriving_again_keeps_the_postcode_a_hold_gave(
    local_booking: Booking,
) -> None:
    booking, envelope = local_booking, _submitted("PC-2026-000043", uuid.uuid4())
    reactions = Reactions(booking.bus)
    async with booking.runtime.sessions() as session:
        await reactions(session, [envelope])
        await session.commit()
    await _book(booking, "PC-2026-000043")  # the hold gives N1 2AB
    async with booking.runtime.sessions() as session:
        await reactions(session, [envelope.model_copy(update={"id": str(uuid.uuid4())})])
        await session.commit()
        [row] = (await session.execute(select(booking_cases))).all()
    assert (row.postcode, row.postcode_sector) == ("N1 2AB", "N1 2")


def test_a_malformed_case_event_is_refused_for_the_dead_letters() -> None:
    envelope = _submitted("PC-2026-000042", uuid.uuid4())
    broken = envelope.model_copy(update={"data": {"reference": "PC-2026-000042"}})
    with pytest.raises(ValidationError):
        validate(broken)


async def test_an_erased_residents_property_is_forgotten_and_their_visit_kept(
    local_booking: Booking,
) -> None:
    booking = local_booking
    case = await known_case(booking, uprn="100023336956")
    appointment = await _book(booking, case.reference)
    erased = ResidentErased(resident_id=case.resident_id).to_envelope(
        sequence=1, time=SLOT, correlation_id="c"
    )
    async with booking.runtime.sessions() as session:
        await Reactions(booking.bus)(session, [erased])
        await session.commit()
        values = []
        for table in (booking_cases, appointments, places):
            for row in (await session.execute(select(table))).all():
                values.extend(str(value) for value in row)
        text = " ".join(values)
        status = (
            await session.execute(
                select(appointments.c.status).where(appointments.c.id == appointment.id)
            )
        ).scalar_one()
    assert "100023336956" not in text and "N1 2AB" not in text
    assert status == "confirmed"


async def test_reminders_fall_due_three_days_and_one_day_before_once_each(
    local_booking: Booking, clock: ManualClock
) -> None:
    booking = local_booking
    await _book(booking, (await known_case(booking)).reference)
    assert await booking.timers.run_once() == 1  # 3 days before was Sunday 09:00
    assert await booking.timers.run_once() == 0
    clock.now = SLOT - timedelta(days=1)
    assert await booking.timers.run_once() == 1
    assert await booking.timers.run_once() == 0
    async with booking.runtime.sessions() as session:
        rows = (await session.execute(select(outbox.c.envelope))).scalars()
        due = [Envelope.model_validate_json(r) for r in rows]
    reminders = [e.data["days_before"] for e in due if e.type.endswith("reminder_due.v1")]
    assert reminders == [3, 1]


async def test_a_reminder_found_long_after_it_fell_due_is_not_sent(
    local_booking: Booking, clock: ManualClock
) -> None:
    booking = local_booking
    clock.now = datetime(2026, 3, 3, 10, tzinfo=UTC)  # booked the day before the visit
    booking_case = await known_case(booking)
    await _book(booking, booking_case.reference, SLOT + timedelta(hours=1))
    assert await booking.timers.run_once() == 1  # only the 1-day reminder


async def test_expired_holds_are_swept(local_booking: Booking, clock: ManualClock) -> None:
    booking = local_booking
    case = await known_case(booking)
    await booking.bus.handle(commands.HoldSlot(case.reference, "van-1", SLOT, SERVICE), CONTEXT)
    clock.advance(timedelta(minutes=10))
    await booking.timers.run_once()
    async with booking.runtime.sessions() as session:
        left = (await session.execute(select(func.count()).select_from(places))).scalar_one()
    assert left == 0
