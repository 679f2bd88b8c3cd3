"""Named values in the runtime state table, set by processes that may race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime.db import create_engine, is_sqlite, session_factory
from townhall.runtime.state import get_value, set_value
from townhall.runtime.tables import metadata
from townhall.runtime.testkit.waiting import eventually


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


async def test_setting_a_value_twice_keeps_the_later_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for value in ("first", "second"):
        async with sessions.begin() as session:
            await set_value(session, "consumer.g.broker_epoch", value)
    async with sessions() as session:
        assert await get_value(session, "consumer.g.broker_epoch") == "second"


async def test_a_second_transaction_setting_a_new_name_meanwhile_succeeds_too(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """Two consumers of one group start together and both record the broker's epoch:
    the second writes while the first has written and not yet committed."""
    if is_sqlite(database_url):
        pytest.skip("SQLite takes one writer at a time: the second waits for the first")
    name = "consumer.shared.broker_epoch"

    async def record(value: str) -> None:
        async with sessions.begin() as session:
            await set_value(session, name, value)

    async def waiting_for_a_lock() -> int:
        async with sessions() as session:
            query = text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return int((await session.execute(query)).scalar_one())

    async with sessions.begin() as first:
        await set_value(first, name, "epoch-a")
        second = asyncio.create_task(record("epoch-b"))
        await eventually(waiting_for_a_lock, lambda waiting: waiting > 0)
    await second
    async with sessions() as session:
        assert await get_value(session, name) == "epoch-b"
