"""The store: migrations match the tables, and the double-booking guard is the
database's own (a second row for one place is refused whatever Python checked)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from townhall.booking.adapters.orm import metadata, places
from townhall.booking.bootstrap import MIGRATIONS, Booking
from townhall.runtime.testkit.migrations import schema_drift, single_head


def test_the_migrations_have_one_head() -> None:
    assert single_head(MIGRATIONS)


async def test_the_migrations_build_exactly_the_tables_the_code_uses(database_url: str) -> None:
    assert await schema_drift(database_url, MIGRATIONS, metadata) == []


async def test_the_database_refuses_two_bookings_of_one_place(booking: Booking) -> None:
    row = {
        "pool": "slot/van-1/2026-03-04T09:00:00+00:00",
        "place": 0,
        "kind": "slot",
        "resource": "van-1",
        "day": date(2026, 3, 4),
        "expires_at": None,
    }
    async with booking.runtime.sessions() as session:
        await session.execute(places.insert().values(**row, holder_id=uuid.uuid4()))
        await session.commit()
    async with booking.runtime.sessions() as session:
        with pytest.raises(IntegrityError):
            await session.execute(places.insert().values(**row, holder_id=uuid.uuid4()))
