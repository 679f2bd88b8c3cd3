"""A consumer group notices a broker that lost its data, across restarts too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime.consumer.epochs import EpochFollower
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.tables import metadata


class Broker:
    def __init__(self, epoch: str = "epoch-1"):
        self.epoch = epoch

    async def current(self) -> str:
        return self.epoch


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


async def test_the_first_look_is_remembered_and_asks_for_no_rewind(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    follower = EpochFollower("g", sessions, Broker())
    assert await follower.new_epoch() is None
    assert await follower.new_epoch() is None


async def test_a_new_epoch_asks_for_a_rewind_until_the_rewind_is_done(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broker = Broker()
    follower = EpochFollower("g", sessions, broker)
    await follower.new_epoch()
    broker.epoch = "epoch-2"
    assert await follower.new_epoch() == "epoch-2"
    assert await follower.new_epoch() == "epoch-2", "not done until said so"
    await follower.rewound("epoch-2")
    assert await follower.new_epoch() is None


async def test_a_reset_while_the_group_was_down_is_noticed_when_it_starts_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    broker = Broker()
    await EpochFollower("g", sessions, broker).new_epoch()
    broker.epoch = "epoch-2"
    assert await EpochFollower("g", sessions, broker).new_epoch() == "epoch-2"
    assert await EpochFollower("other", sessions, broker).new_epoch() is None, (
        "each group remembers its own epoch"
    )
