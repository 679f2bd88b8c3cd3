"""The rows of each generation of the view, across every table a build fills
(see townhall.resident_view.projection.generations)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import (
    consents,
    erased_residents,
    merges,
    residents,
    search_terms,
    source_progress,
    timeline_entries,
)

GENERATIONAL = (
    timeline_entries,
    consents,
    erased_residents,
    merges,
    residents,
    search_terms,
    source_progress,
)


async def newest(session: AsyncSession) -> int:
    """The highest generation with any rows (a failed rebuild may have left some)."""
    query = select(func.max(timeline_entries.c.generation))
    return int((await session.execute(query)).scalar_one_or_none() or 0)


async def discard(session: AsyncSession, number: int) -> None:
    """Delete every row of generation ``number``."""
    for table in GENERATIONAL:
        await session.execute(delete(table).where(table.c.generation == number))


async def discard_older(session: AsyncSession, number: int) -> None:
    """Delete every row of the generations before ``number``."""
    for table in GENERATIONAL:
        await session.execute(delete(table).where(table.c.generation < number))
