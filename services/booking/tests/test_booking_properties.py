"""A property test: random interleavings of hold, confirm, cancel, reschedule and
expiry never put more bookings in a pool than it has places, and never lose a
confirmed appointment. Batches of operations run concurrently on a real SQLite database;
the model below only tracks which appointments the callers were told are booked."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from townhall.booking.adapters.orm import appointments, booking_cases, holds, places
from townhall.booking.bootstrap import MIGRATIONS, Booking, bootstrap
from townhall.booking.domain import commands
from townhall.booking.domain.exceptions import BookingError
from townhall.booking.domain.model import Appointment, Hold
from townhall.booking.testing import CONTEXT, MONDAY, SERVICE, SLOT, calendars, settings_for
from townhall.runtime.clock import ManualClock
from townhall.runtime.migrations import upgrade
from townhall.runtime.tables import outbox

CAPACITY, DAY_CAP, CASES = 2, 3, 8
#: Few slots and many cases, so that bookings contend.
SLOTS = [SLOT, SLOT + timedelta(hours=1), SLOT + timedelta(days=1)]
#: Cases 0, 1 and 2 are at one property: one booking between them per day.
UPRNS = ["100000000001"] * 3 + [None] * 5
CALENDARS = calendars(
    resources=[
        {
            "code": "van-1",
            "name": "Van 1",
            "kind": "van",
            "areas": ["N"],
            "hours": {"mon-sun": "09:00-12:00"},
            "slot_minutes": 60,
            "capacity": CAPACITY,
            "day_cap": DAY_CAP,
        }
    ]
)

operation = st.one_of(
    st.tuples(st.just("hold"), st.integers(0, CASES - 1), st.integers(0, len(SLOTS) - 1)),
    st.tuples(st.just("confirm"), st.integers(0, CASES - 1), st.just(0)),
    st.tuples(st.just("book"), st.integers(0, CASES - 1), st.integers(0, len(SLOTS) - 1)),
    st.tuples(st.just("cancel"), st.integers(0, CASES - 1), st.just(0)),
    st.tuples(st.just("reschedule"), st.integers(0, CASES - 1), st.integers(0, len(SLOTS) - 1)),
    st.tuples(st.just("wait"), st.integers(1, 12), st.just(0)),
)
#: Each batch runs concurrently; batches run one after another.
batches = st.lists(st.lists(operation, min_size=1, max_size=6), min_size=1, max_size=5)


@dataclass
class Model:
    """What callers were told. Tasks resume in any order after their commits, so the
    model keeps sets, not a sequence: every appointment a caller was told is booked, and
    those a caller was told are cancelled or moved away."""

    references: list[str]
    holds: dict[int, uuid.UUID] = field(default_factory=dict)
    latest: dict[int, uuid.UUID] = field(default_factory=dict)
    told: set[uuid.UUID] = field(default_factory=set)
    ended: set[uuid.UUID] = field(default_factory=set)
    confirmations: int = 0

    @property
    def booked(self) -> set[uuid.UUID]:
        return self.told - self.ended


async def _apply(
    booking: Booking, clock: ManualClock, model: Model, op: tuple[str, int, int]
) -> None:
    kind, who, slot = op
    if kind == "wait":
        clock.advance(timedelta(minutes=who))
        return
    reference, bus = model.references[who], booking.bus
    try:
        if kind in ("hold", "book"):
            held: Hold = await bus.handle(
                commands.HoldSlot(reference, "van-1", SLOTS[slot], SERVICE), CONTEXT
            )
            model.holds[who] = held.id
        if kind in ("confirm", "book") and who in model.holds:
            done: Appointment = await bus.handle(
                commands.ConfirmHold(reference, model.holds[who], SERVICE), CONTEXT
            )
            model.told.add(done.id)
            model.latest[who] = done.id
            model.confirmations += 1
        elif kind == "cancel" and who in model.latest:
            target = model.latest[who]
            await bus.handle(commands.CancelAppointment(reference, target, SERVICE), CONTEXT)
            model.ended.add(target)
        elif kind == "reschedule" and who in model.latest:
            target = model.latest[who]
            move = commands.RescheduleAppointment(reference, target, "van-1", SLOTS[slot], SERVICE)
            moved: Appointment = await bus.handle(move, CONTEXT)
            model.ended.add(target)
            model.told.add(moved.id)
            model.latest[who] = moved.id
    except BookingError:
        pass  # refused, and so changed nothing: the invariants check that


async def _check(booking: Booking, model: Model) -> None:
    async with booking.runtime.sessions() as session:
        rows = (await session.execute(select(appointments))).all()
        taken = (await session.execute(select(places))).all()
    confirmed = [r._mapping for r in rows if r._mapping["status"] == "confirmed"]
    per_slot = Counter(r["starts_at"] for r in confirmed)
    per_day = Counter(r["day"] for r in confirmed)
    per_property = Counter((r["property_key"], r["day"]) for r in confirmed)
    assert max(per_slot.values(), default=0) <= CAPACITY
    assert max(per_day.values(), default=0) <= DAY_CAP
    assert max(per_property.values(), default=0) <= 1
    # Never lost: what callers were told is booked is exactly what is booked…
    assert {r["id"] for r in confirmed} == model.booked
    # … and each still holds its places, with no expiry.
    holders = Counter(r._mapping["holder_id"] for r in taken if r._mapping["expires_at"] is None)
    assert all(holders[appointment_id] >= 2 for appointment_id in model.booked)


async def _scenario(url: str, plan: list[list[tuple[str, int, int]]]) -> int:
    clock = ManualClock(MONDAY)
    booking = bootstrap(settings_for(url), calendars=CALENDARS, clock=clock)
    try:
        async with booking.runtime.sessions() as session:
            for table in (places, holds, appointments, booking_cases, outbox):
                await session.execute(delete(table))
            await session.commit()
        references = []
        for i in range(CASES):
            reference = f"PC-2026-{i:06d}"
            await booking.bus.handle(
                commands.RecordCase(
                    reference,
                    uuid.uuid4(),
                    "pest_control",
                    "pest_control",
                    "personal",
                    uuid.uuid4(),
                    "N1 1AA",
                    UPRNS[i],
                ),
                CONTEXT,
            )
            references.append(reference)
        model = Model(references)
        for batch in plan:
            await asyncio.gather(*(_apply(booking, clock, model, op) for op in batch))
            await _check(booking, model)
        return model.confirmations
    finally:
        await booking.runtime.engine.dispose()


def test_interleavings_never_overbook_and_never_lose_a_confirmed_appointment(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'properties.db'}"
    asyncio.run(upgrade(url, MIGRATIONS))

    confirmed: list[int] = []

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(plan=batches)
    def run(plan: list[list[tuple[str, int, int]]]) -> None:
        confirmed.append(asyncio.run(_scenario(url, plan)))

    run()
    assert sum(confirmed) > 0, "no example confirmed anything: the test proves nothing"
