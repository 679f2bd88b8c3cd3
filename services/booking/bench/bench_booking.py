"""The booking benchmark, on SQLite and on PostgreSQL.

    uv run --all-packages python services/booking/bench/bench_booking.py

* Availability for one case: a 90-day window over 20 resources (ten one-hour slots a
  day each, every day), with bookings already taken: p50 and p99 of a whole read,
  against a baseline measured in the same process: the calendar alone computing the
  same offers, with no database.
* The same read with each day's count kept between reads (the service's DayCache, as
  the API reads it), after one read has filled it: p50 and p99, and the ratio to
  counting afresh.
* Holds and confirms per second with 50 concurrent clients racing for a small pool of
  places, and the count of double bookings found afterwards (must be 0).

``BENCH_BOOKING_READS`` (default 200) and ``BENCH_BOOKING_ATTEMPTS`` (per client,
default 10) set the sizes.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from townhall.booking.adapters.orm import appointments
from townhall.booking.bootstrap import MIGRATIONS, Booking, bootstrap
from townhall.booking.domain import commands
from townhall.booking.domain.calendar import Calendar
from townhall.booking.domain.exceptions import BookingError
from townhall.booking.testing import CONTEXT, SERVICE, calendar, settings_for
from townhall.booking.views import availability
from townhall.runtime.clock import ManualClock
from townhall.runtime.migrations import upgrade
from townhall.runtime.testkit.fixtures import DEFAULT_POSTGRES, PostgresDatabases
from townhall.runtime.testkit.timings import percentiles

READS = int(os.environ.get("BENCH_BOOKING_READS", "200"))
ATTEMPTS = int(os.environ.get("BENCH_BOOKING_ATTEMPTS", "10"))
CLIENTS = 50
RESOURCES = 20
#: The places the clients race for: this many one-place slots.
POOL = 12
NOW = datetime(2026, 3, 2, 7, tzinfo=UTC)


def bench_calendar() -> Calendar:
    vans = [
        {
            "code": f"van-{i}",
            "name": f"Van {i}",
            "kind": "van",
            "areas": ["N"],
            "hours": {"mon-sun": "08:00-18:00"},
            "slot_minutes": 60,
            "capacity": 1,
        }
        for i in range(RESOURCES)
    ]
    return calendar(window_days=90, cutoff=None, resources=vans)


@dataclass(frozen=True)
class Figures:
    kind: str
    p50_ms: float
    p99_ms: float
    kept_p50_ms: float
    kept_p99_ms: float
    slots: int
    attempts_per_s: float
    confirmed: int
    double_bookings: int


async def _case(booking: Booking) -> str:
    reference = f"PC-2026-{uuid.uuid4().int % 1_000_000:06d}"
    command = commands.RecordCase(
        reference,
        uuid.uuid4(),
        "pest_control",
        "pest_control",
        "personal",
        uuid.uuid4(),
        "N1 2AB",
    )
    await booking.bus.handle(command, CONTEXT)
    return reference


async def _book(booking: Booking, reference: str, resource: str, starts_at: datetime) -> bool:
    try:
        held = await booking.bus.handle(
            commands.HoldSlot(reference, resource, starts_at, SERVICE), CONTEXT
        )
        await booking.bus.handle(commands.ConfirmHold(reference, held.id, SERVICE), CONTEXT)
    except BookingError:
        return False
    return True


async def _reads(booking: Booking, cal: Calendar, *, kept: bool) -> tuple[list[float], int]:
    reference = await _case(booking)
    uow = booking.bus.uow_factory()
    async with uow:
        case = await uow.cases.get(reference)
    assert case is not None
    timings, found = [], 0
    for _ in range(READS):
        started = time.perf_counter()
        async with booking.runtime.sessions() as session:
            days = booking.days if kept else None
            found = len(await availability(session, cal, case, "N1 2AB", NOW, kept=days))
        timings.append(time.perf_counter() - started)
    return timings, found


async def _race(booking: Booking, cal: Calendar) -> tuple[float, int, int]:
    offers = list(cal.offers("N1 2AB", NOW))[:POOL]
    references = [await _case(booking) for _ in range(CLIENTS)]
    before = await _confirmed(booking)
    chooser = random.Random(7)

    async def client(reference: str) -> int:
        booked = 0
        for _ in range(ATTEMPTS):
            offer = chooser.choice(offers)
            booked += await _book(booking, reference, offer.resource.code, offer.starts_at)
            if booked:
                return booked  # one visit per case
        return booked

    started = time.perf_counter()
    results = await asyncio.gather(*(client(r) for r in references))
    elapsed = time.perf_counter() - started
    rows = await _confirmed(booking)
    doubles = sum(n - 1 for n in Counter(rows).values() if n > 1)
    attempts = sum(ATTEMPTS if not r else 1 for r in results)
    return attempts / elapsed, len(rows) - len(before), doubles


async def _confirmed(booking: Booking) -> list[tuple[str, datetime]]:
    """Every confirmed appointment's (resource, start): two alike are a double booking."""
    async with booking.runtime.sessions() as session:
        query = select(appointments.c.resource, appointments.c.starts_at).where(
            appointments.c.status == "confirmed"
        )
        return [(r.resource, r.starts_at) for r in (await session.execute(query)).all()]


async def _prefill(booking: Booking, cal: Calendar) -> None:
    """A third of the first fortnight's slots already booked."""
    offers = [o for o in cal.offers("N1 2AB", NOW) if o.starts_at < NOW + timedelta(days=14)]
    for offer in random.Random(3).sample(offers, len(offers) // 3):
        await _book(booking, await _case(booking), offer.resource.code, offer.starts_at)


async def measure(kind: str, url: str) -> Figures:
    cal = bench_calendar()
    await upgrade(url, MIGRATIONS)
    booking = bootstrap(
        settings_for(url), calendars={cal.service_type: cal}, clock=ManualClock(NOW)
    )
    try:
        await _prefill(booking, cal)
        timings, slots = await _reads(booking, cal, kept=False)
        kept, kept_slots = await _reads(booking, cal, kept=True)
        assert kept_slots == slots, "kept days answer what counting afresh answers"
        rate, confirmed, doubles = await _race(booking, cal)
    finally:
        await booking.runtime.engine.dispose()
    (p50, p99), (kept_p50, kept_p99) = percentiles(timings), percentiles(kept)
    return Figures(
        kind,
        p50 * 1000,
        p99 * 1000,
        kept_p50 * 1000,
        kept_p99 * 1000,
        slots,
        rate,
        confirmed,
        doubles,
    )


def baseline() -> float:
    """Milliseconds for the calendar alone to compute the same offers (median)."""
    cal = bench_calendar()
    timings = []
    for _ in range(max(20, READS // 10)):
        started = time.perf_counter()
        list(cal.offers("N1 2AB", NOW))
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


async def main() -> None:
    base = baseline()
    figures = []
    postgres = PostgresDatabases(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    with tempfile.TemporaryDirectory() as workdir:
        try:
            figures.append(await measure("SQLite", f"sqlite+aiosqlite:///{Path(workdir) / 'b.db'}"))
            figures.append(await measure("PostgreSQL", await postgres.create()))
        finally:
            await postgres.drop_all()
    print(
        f"baseline: the calendar alone computes a 90-day, {RESOURCES}-resource window in "
        f"{base:.1f} ms (median)"
    )
    for f in figures:
        print(
            f"{f.kind:>10}: availability p50 {f.p50_ms:.1f} ms ({f.p50_ms / base:.1f}x baseline), "
            f"p99 {f.p99_ms:.1f} ms, {f.slots} free slots; with days kept p50 "
            f"{f.kept_p50_ms:.1f} ms ({f.p50_ms / f.kept_p50_ms:.1f}x faster), p99 "
            f"{f.kept_p99_ms:.1f} ms; {CLIENTS} clients racing for "
            f"{POOL} places: {f.attempts_per_s:.0f} hold+confirm attempts/s, "
            f"{f.confirmed} of them booked, double bookings {f.double_bookings}"
        )


if __name__ == "__main__":
    asyncio.run(main())
