"""Fixtures for the booking tests: the service built on a fresh database (SQLite and
PostgreSQL through ``database_url``, or SQLite only through ``sqlite_url``), its clock
in the test's hands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from townhall.booking.bootstrap import Booking, bootstrap
from townhall.booking.testing import MONDAY, calendars, settings_for
from townhall.runtime.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'booking.db'}"


async def _started(url: str, clock: ManualClock) -> AsyncIterator[Booking]:
    booking = bootstrap(settings_for(url), calendars=calendars(), clock=clock)
    await booking.runtime.start()
    try:
        yield booking
    finally:
        await booking.runtime.stop()


@pytest.fixture
async def booking(database_url: str, clock: ManualClock) -> AsyncIterator[Booking]:
    """The service on SQLite and on PostgreSQL."""
    async for started in _started(database_url, clock):
        yield started


@pytest.fixture
async def local_booking(sqlite_url: str, clock: ManualClock) -> AsyncIterator[Booking]:
    """The service on SQLite only, for rules that do not depend on the database."""
    async for started in _started(sqlite_url, clock):
        yield started
