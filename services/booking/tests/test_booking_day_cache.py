"""Availability keeps each day's count between reads, and is never wrong for it: the
same slots as counted afresh whatever was held, booked, cancelled or expired; a booking
recounts only its own day; a hold's expiry frees its slot without any write; and
another replica's booking shows here within the cache's time to live (meanwhile the
database refuses the slot: a stale page never double-books)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from townhall.booking import views
from townhall.booking.bootstrap import Booking, bootstrap
from townhall.booking.domain import commands
from townhall.booking.domain.exceptions import SlotTakenError
from townhall.booking.domain.model import CaseContext
from townhall.booking.testing import CONTEXT, SERVICE, SLOT, calendars, known_case, settings_for
from townhall.runtime.clock import ManualClock


async def _context(booking: Booking, reference: str) -> CaseContext:
    uow = booking.bus.uow_factory()
    async with uow:
        case = await uow.cases.get(reference)
    assert case is not None
    return case


async def _free(booking: Booking, reference: str, *, kept: bool = True) -> list[views.FreeSlot]:
    case = await _context(booking, reference)
    calendar = booking.calendars[case.service_code]
    async with booking.runtime.sessions() as session:
        return await views.availability(
            session,
            calendar,
            case,
            "N1 2AB",
            booking.clock(),
            kept=booking.days if kept else None,
        )


async def _hold(booking: Booking, reference: str, hour: int = 0) -> uuid.UUID:
    starts_at = SLOT + timedelta(hours=hour)
    command = commands.HoldSlot(reference, "van-1", starts_at, SERVICE, postcode="N1 2AB")
    held = await booking.bus.handle(command, CONTEXT)
    return held.id  # type: ignore[no-any-return]


def _starts(slots: list[views.FreeSlot]) -> set[str]:
    return {slot.starts_at.isoformat() for slot in slots}


async def test_kept_days_answer_what_counting_afresh_answers_through_every_change(
    local_booking: Booking, clock: ManualClock
) -> None:
    booking = local_booking
    ada, bob = (await known_case(booking), await known_case(booking))

    async def same() -> None:
        for case in (ada, bob):
            kept = await _free(booking, case.reference)
            assert kept == await _free(booking, case.reference, kept=False)

    await same()
    held = await _hold(booking, ada.reference)
    await same()
    booked = await booking.bus.handle(commands.ConfirmHold(ada.reference, held, SERVICE), CONTEXT)
    await same()
    await _hold(booking, bob.reference, hour=1)
    await same()
    clock.advance(timedelta(minutes=10))  # bob's hold expires
    await same()
    cancel = commands.CancelAppointment(ada.reference, booked.id, SERVICE, "moved away")
    await booking.bus.handle(cancel, CONTEXT)
    await same()


@pytest.fixture
async def keeping(tmp_path: Path, clock: ManualClock) -> AsyncIterator[Booking]:
    """The service keeping days for an hour: longer than any hold lasts."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'keeping.db'}"
    settings = settings_for(url, availability_cache_s=3600)
    booking = bootstrap(settings, calendars=calendars(), clock=clock)
    await booking.runtime.start()
    try:
        yield booking
    finally:
        await booking.runtime.stop()


async def test_a_hold_recounts_its_own_day_only(keeping: Booking) -> None:
    booking = keeping
    case = await known_case(booking)
    before = _starts(await _free(booking, case.reference))
    counted = booking.days.computed
    assert SLOT.isoformat() in before
    await _hold(booking, case.reference)
    after = _starts(await _free(booking, case.reference))
    assert booking.days.computed == counted + 1
    that_day = {start for start in before if start.startswith(SLOT.date().isoformat())}
    assert after == before - that_day, "the property holds a visit that day: none else"


async def test_an_expired_hold_frees_its_slot_with_no_write(
    keeping: Booking, clock: ManualClock
) -> None:
    booking = keeping
    case = await known_case(booking)
    await _hold(booking, case.reference)
    assert SLOT.isoformat() not in _starts(await _free(booking, case.reference))
    counted = booking.days.computed
    clock.advance(timedelta(minutes=10))
    assert SLOT.isoformat() in _starts(await _free(booking, case.reference))
    assert booking.days.computed == counted + 1, "only the hold's day was counted again"


@pytest.fixture
async def replicas(tmp_path: Path, clock: ManualClock) -> AsyncIterator[tuple[Booking, Booking]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    pair = [bootstrap(settings_for(url), calendars=calendars(), clock=clock) for _ in range(2)]
    for booking in pair:
        await booking.runtime.start()
    try:
        yield pair[0], pair[1]
    finally:
        for booking in pair:
            await booking.runtime.stop()


async def test_another_replicas_booking_shows_within_the_time_to_live_and_never_double_books(
    replicas: tuple[Booking, Booking], clock: ManualClock
) -> None:
    here, there = replicas
    mine, theirs = await known_case(here), await known_case(here)
    assert SLOT.isoformat() in _starts(await _free(here, mine.reference))
    await _hold(there, theirs.reference)

    assert SLOT.isoformat() in _starts(await _free(here, mine.reference)), "kept, stale"
    with pytest.raises(SlotTakenError):
        await _hold(here, mine.reference)
    clock.advance(timedelta(seconds=here.settings.availability_cache_s))
    assert SLOT.isoformat() not in _starts(await _free(here, mine.reference))


def test_a_cache_of_no_time_keeps_nothing(tmp_path: Path, clock: ManualClock) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    settings = settings_for(url, availability_cache_s=0)
    booking = bootstrap(settings, calendars=calendars(), clock=clock)
    assert not booking.days.enabled
