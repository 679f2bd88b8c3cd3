"""The entry writer stores each event once and says which events were new, on both
databases, and what it stores reads back exactly as the projection shaped it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.resident_view.adapters import entry_writer
from townhall.resident_view.adapters.orm import timeline_entries
from townhall.resident_view.projection.entries import entry
from townhall.resident_view.projection.projector import Projector
from townhall.resident_view.testing import Spec, envelope
from townhall.runtime.clock import ManualClock
from townhall.schemas.envelope import Sensitivity

CASES = Spec("pest_control", Sensitivity.PERSONAL)
RECORDED = datetime(2026, 11, 2, 8, 30, 15, 123456, tzinfo=UTC)


def rows(count: int, generation: int = 1) -> list[dict[str, Any]]:
    resident = str(uuid.uuid4())
    shaped = []
    for n in range(count):
        row = entry(envelope(resident, CASES, n, case_reference=f"PC-{n}"), generation)
        assert row is not None
        shaped.append({**row, "recorded_at": RECORDED})
    return shaped


async def stored(sessions: async_sessionmaker[AsyncSession], generation: int = 1) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(timeline_entries)
        query = query.where(timeline_entries.c.generation == generation)
        return int((await session.execute(query)).scalar_one())


async def test_reports_only_the_events_not_stored_before(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = rows(3), rows(2)
    async with sessions.begin() as session:
        new = await entry_writer.insert_new(session, 1, first)
    assert new == {r["event_id"] for r in first}
    async with sessions.begin() as session:
        # a redelivery of the first batch, mixed with new events and a repeat of one
        new = await entry_writer.insert_new(session, 1, [*first, *second, second[0]])
    assert new == {r["event_id"] for r in second}
    assert await stored(sessions) == 5


async def test_the_same_event_in_another_generation_is_new_there(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    batch = rows(2)
    async with sessions.begin() as session:
        await entry_writer.insert_new(session, 1, batch)
    again = [{**r, "generation": 2} for r in batch]
    async with sessions.begin() as session:
        new = await entry_writer.insert_new(session, 2, again)
    assert new == {r["event_id"] for r in batch}
    assert await stored(sessions, 2) == 2


async def test_entries_read_back_as_shaped(sessions: async_sessionmaker[AsyncSession]) -> None:
    [row] = rows(1)
    async with sessions.begin() as session:
        await entry_writer.insert_new(session, 1, [row])
    async with sessions() as session:
        query = select(timeline_entries).where(timeline_entries.c.event_id == row["event_id"])
        back = dict((await session.execute(query)).one()._mapping)
    assert back == row


async def test_a_rolled_back_batch_leaves_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await entry_writer.insert_new(session, 1, rows(4))
            raise RuntimeError("the consumer's transaction failed after the insert")
    assert await stored(sessions) == 0


async def test_a_row_of_another_generation_is_refused_and_nothing_is_written(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    batch = rows(2)
    batch[1]["generation"] = 2
    async with sessions.begin() as session:
        with pytest.raises(ValueError, match="generation 1"):
            await entry_writer.insert_new(session, 1, batch)
    assert await stored(sessions) + await stored(sessions, 2) == 0


async def test_ids_already_stored_are_found_across_several_lookups(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry_writer, "SQLITE_IDS_PER_QUERY", 3)  # SQLite binds at most 32,766
    batch = rows(8)
    async with sessions.begin() as session:
        await entry_writer.insert_new(session, 1, batch[5:7])
    async with sessions.begin() as session:
        new = await entry_writer.insert_new(session, 1, batch)
    assert new == {r["event_id"] for r in batch[:5] + batch[7:]}
    assert await stored(sessions) == 8


async def test_the_projector_stamps_entries_with_the_time_its_clock_gives(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    projector = Projector(1, clock=ManualClock(RECORDED))
    event = envelope(str(uuid.uuid4()), CASES, 1)
    async with sessions.begin() as session:
        assert await projector(session, [event]) == 1
    async with sessions() as session:
        query = select(timeline_entries.c.recorded_at)
        query = query.where(timeline_entries.c.event_id == event.id)
        assert (await session.execute(query)).scalar_one() == RECORDED
