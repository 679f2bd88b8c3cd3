"""The completeness tracker: whatever order and repetition sequences arrive in, the
watermark is the end of the gapless prefix and the gap is what has not arrived."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.resident_view import progress
from townhall.resident_view.adapters.orm import source_pending
from townhall.resident_view.entrypoints.api.app import MIGRATIONS
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade

_generations = itertools.count(1000)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade(database_url, MIGRATIONS)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


def _expected(received: set[int]) -> tuple[int, int, int]:
    watermark = 0
    while watermark + 1 in received:
        watermark += 1
    max_seen = max(received, default=0)
    pending = len([s for s in received if s > watermark])
    return watermark, max_seen, pending


batches = st.lists(st.lists(st.integers(1, 40), min_size=1, max_size=15), min_size=1, max_size=8)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=batches)
async def test_watermark_and_gap_follow_any_order_and_repetition(
    sessions: async_sessionmaker[AsyncSession], batches: list[list[int]]
) -> None:
    generation = next(_generations)
    source = "/townhall/test"
    received: set[int] = set()
    for batch in batches:
        async with sessions.begin() as session:
            await progress.advance(session, generation, [(source, s) for s in batch])
        received |= set(batch)
        async with sessions() as session:
            [state] = await progress.report(session, generation)
            stored = set(
                (
                    await session.execute(
                        select(source_pending.c.sequence).where(
                            source_pending.c.generation == generation
                        )
                    )
                ).scalars()
            )
        watermark, max_seen, pending = _expected(received)
        assert (state.watermark, state.max_seen, state.pending) == (watermark, max_seen, pending)
        assert stored == {s for s in received if s > watermark}
        assert state.missing == max_seen - watermark - pending


async def test_a_source_in_another_generation_does_not_count_as_pending(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    old, new = next(_generations), next(_generations)
    async with sessions.begin() as session:
        await progress.advance(session, old, [("/townhall/test", 5)])
    async with sessions.begin() as session:
        await progress.advance(session, new, [("/townhall/test", s) for s in (1, 2, 4)])
    async with sessions() as session:
        [state] = await progress.report(session, new)
    assert (state.watermark, state.max_seen, state.pending, state.missing) == (2, 4, 1, 1)
