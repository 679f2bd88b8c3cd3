"""Per-source progress as stored (the ``source_progress`` table): one row per source and
generation with the watermark, the highest sequence seen, and the arrivals above the
watermark as a hex bitmask (see townhall.resident_view.projection.completeness)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import source_progress as p
from townhall.runtime.db import insert_or_ignore


class ProgressRow(NamedTuple):
    source: str
    watermark: int
    max_seen: int
    pending: str


def _where(generation: int, source: str) -> ColumnElement[bool]:
    return (p.c.source == source) & (p.c.generation == generation)


async def get_or_create(session: AsyncSession, generation: int, source: str) -> ProgressRow:
    """The source's row, created empty (nothing seen yet) when it had none."""
    query = select(p.c.source, p.c.watermark, p.c.max_seen, p.c.pending).where(
        _where(generation, source)
    )
    row = (await session.execute(query)).one_or_none()
    if row is not None:
        return ProgressRow(*row)
    await session.execute(
        insert_or_ignore(session, p).values(
            generation=generation, source=source, watermark=0, max_seen=0, pending=""
        )
    )
    return ProgressRow(source, watermark=0, max_seen=0, pending="")


async def save(session: AsyncSession, generation: int, row: ProgressRow) -> None:
    await session.execute(
        update(p)
        .where(_where(generation, row.source))
        .values(watermark=row.watermark, max_seen=row.max_seen, pending=row.pending)
    )


async def every_source(session: AsyncSession, generation: int) -> list[ProgressRow]:
    query = select(p.c.source, p.c.watermark, p.c.max_seen, p.c.pending).where(
        p.c.generation == generation
    )
    return [ProgressRow(*row) for row in (await session.execute(query)).all()]
