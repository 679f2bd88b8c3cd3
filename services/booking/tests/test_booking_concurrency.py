"""No double booking under load: the guard is the database's key per place, so racing
requests cannot both win, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from townhall.booking.adapters.orm import appointments
from townhall.booking.bootstrap import Booking
from townhall.booking.domain import commands
from townhall.booking.domain.exceptions import SlotTakenError
from townhall.booking.domain.model import Appointment, Hold
from townhall.booking.testing import CONTEXT, SERVICE, SLOT, known_case

RACERS = 50


async def _book(booking: Booking, reference: str) -> Appointment:
    hold = commands.HoldSlot(reference, "van-1", SLOT, SERVICE)
    held: Hold = await booking.bus.handle(hold, CONTEXT)
    confirmed: Appointment = await booking.bus.handle(
        commands.ConfirmHold(reference, held.id, SERVICE), CONTEXT
    )
    return confirmed


async def _appointments(booking: Booking) -> int:
    async with booking.runtime.sessions() as session:
        query = select(func.count()).select_from(appointments)
        return int((await session.execute(query)).scalar_one())


async def test_fifty_clients_racing_for_the_last_place_give_exactly_one_appointment(
    booking: Booking,
) -> None:
    cases = [await known_case(booking) for _ in range(RACERS)]
    results = await asyncio.gather(
        *(_book(booking, case.reference) for case in cases), return_exceptions=True
    )
    won = [r for r in results if isinstance(r, Appointment)]
    lost = [r for r in results if isinstance(r, SlotTakenError)]
    assert len(won) == 1, results
    assert len(lost) == RACERS - 1, [r for r in results if not isinstance(r, SlotTakenError)]
    assert await _appointments(booking) == 1


async def test_fifty_concurrent_confirms_of_one_hold_give_one_appointment(
    booking: Booking,
) -> None:
    case = await known_case(booking)
    held: Hold = await booking.bus.handle(
        commands.HoldSlot(case.reference, "van-1", SLOT, SERVICE), CONTEXT
    )
    confirm = commands.ConfirmHold(case.reference, held.id, SERVICE)
    results = await asyncio.gather(
        *(booking.bus.handle(confirm, CONTEXT) for _ in range(RACERS)), return_exceptions=True
    )
    assert {r.id if isinstance(r, Appointment) else repr(r) for r in results} == {
        results[0].id  # type: ignore[union-attr]
    }
    assert await _appointments(booking) == 1
