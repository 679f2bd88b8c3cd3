"""Fixtures for the booking tests: the service built on a fresh database (SQLite and
PostgreSQL through ``database_url``, or SQLite only through ``sqlite_url``), its clock
in the test's hands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from townhall.booking.bootstrap import Booking, bootstrap
from townhall.booking.entrypoints.api.app import create
from townhall.booking.testing import MONDAY, calendars, settings_for
from townhall.runtime.clock import ManualClock
from townhall.runtime.testkit.tokens import TestIssuer


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


@pytest.fixture
def issuer(tmp_path: Path) -> TestIssuer:
    return TestIssuer(tmp_path)


@pytest.fixture
async def http(
    sqlite_url: str, clock: ManualClock, issuer: TestIssuer
) -> AsyncIterator[httpx.AsyncClient]:
    """The booking app on a fresh SQLite file, its clock the test's; ``http.booking`` is
    what bootstrap built (to tell it of cases as cases' events would)."""
    settings = settings_for(sqlite_url, auth_jwks_url=issuer.jwks_url, environment="development")
    built = bootstrap(settings, calendars=calendars(), clock=clock)
    app = create(services=built)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://booking") as client:
            client.app = app  # type: ignore[attr-defined]
            client.booking = built  # type: ignore[attr-defined]
            yield client
