"""The completeness tracker: whatever order and repetition sequences arrive in, the
watermark is the end of the gapless prefix and the gap is what has not arrived."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.resident_view.adapters.orm import MIGRATIONS, source_progress
from townhall.resident_view.projection import completeness
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.migrations import upgrade

_generations = itertools.count(1000)


def _expected(received: set[int]) -> tuple[int, int, int]:
    watermark = 0
    while watermark + 1 in received:
        watermark += 1
    max_seen = max(received, default=0)
    pending = len([s for s in received if s > watermark])
    return watermark, max_seen, pending


def _waiting(watermark: int, pending: str) -> set[int]:
    """The sequences the stored bitmask says arrived above the watermark."""
    bits = int(pending, 16) if pending else 0
    return {watermark + 1 + i for i in range(bits.bit_length()) if bits >> i & 1}


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
            await completeness.advance(session, generation, [(source, s) for s in batch])
        received |= set(batch)
        async with sessions() as session:
            [state] = await completeness.report(session, generation)
            stored = (
                await session.execute(
                    select(source_progress.c.watermark, source_progress.c.pending).where(
                        source_progress.c.generation == generation
                    )
                )
            ).one()
        watermark, max_seen, pending = _expected(received)
        assert (state.watermark, state.max_seen, state.pending) == (watermark, max_seen, pending)
        assert _waiting(*stored) == {s for s in received if s > watermark}
        assert state.missing == max_seen - watermark - pending


async def test_a_source_in_another_generation_does_not_count_as_pending(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    old, new = next(_generations), next(_generations)
    async with sessions.begin() as session:
        await completeness.advance(session, old, [("/townhall/test", 5)])
    async with sessions.begin() as session:
        await completeness.advance(session, new, [("/townhall/test", s) for s in (1, 2, 4)])
    async with sessions() as session:
        [state] = await completeness.report(session, new)
    assert (state.watermark, state.max_seen, state.pending, state.missing) == (2, 4, 1, 1)


async def test_thousands_waiting_above_a_gap_are_counted_and_released_when_it_fills(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    generation = next(_generations)
    source = "/townhall/test"
    async with sessions.begin() as session:
        await completeness.advance(session, generation, [(source, s) for s in range(2, 5002)])
    async with sessions() as session:
        [state] = await completeness.report(session, generation)
    assert (state.watermark, state.pending, state.missing) == (0, 5000, 1)
    async with sessions.begin() as session:
        await completeness.advance(session, generation, [(source, 1)])
    async with sessions() as session:
        [state] = await completeness.report(session, generation)
    assert (state.watermark, state.max_seen, state.pending, state.missing) == (5001, 5001, 0, 0)


async def test_a_sequence_absurdly_far_ahead_shows_as_a_gap_and_takes_no_memory(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    generation = next(_generations)
    source = "/legacy/broken"
    far = 10**15  # a bitmask reaching it would need more memory than any machine has
    async with sessions.begin() as session:
        await completeness.advance(session, generation, [(source, 1), (source, far), (source, 3)])
    async with sessions.begin() as session:
        await completeness.advance(session, generation, [(source, 2)])
    async with sessions() as session:
        [state] = await completeness.report(session, generation)
    assert (state.watermark, state.max_seen, state.pending) == (3, far, 0)
    assert state.missing == far - 3, "the far one is counted missing: it was not remembered"


async def test_upgrading_folds_waiting_rows_into_the_bitmask(database_url: str) -> None:
    await upgrade(database_url, MIGRATIONS, "0006")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO source_progress (generation, source, watermark, max_seen) "
                    "VALUES (7, '/townhall/cases', 3, 1000000000000000)"
                )
            )
            for sequence in (5, 6, 9, 10**15):  # the last one too far ahead to remember
                await connection.execute(
                    text(
                        "INSERT INTO source_pending (generation, source, sequence) "
                        "VALUES (7, '/townhall/cases', :s)"
                    ),
                    {"s": sequence},
                )
        await upgrade(database_url, MIGRATIONS)
        async with session_factory(engine)() as session:
            [state] = await completeness.report(session, 7)
            stored = (
                await session.execute(
                    select(source_progress.c.watermark, source_progress.c.pending).where(
                        source_progress.c.generation == 7
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    assert _waiting(*stored) == {5, 6, 9}
    assert (state.watermark, state.max_seen, state.pending) == (3, 10**15, 3)
