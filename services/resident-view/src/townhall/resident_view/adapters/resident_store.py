"""Residents for search as stored: one ``residents`` row per resident and their
``search_terms``, both rewritten whole when identity's data about them changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import residents, search_terms
from townhall.resident_view.residents.record import ResidentRecord


async def load(session: AsyncSession, generation: int, resident_id: str) -> ResidentRecord | None:
    mine = (residents.c.generation == generation) & (residents.c.resident_id == resident_id)
    row = (await session.execute(select(residents).where(mine))).mappings().first()
    return ResidentRecord.from_row(row) if row else None


async def save(
    session: AsyncSession, generation: int, record: ResidentRecord, at: datetime
) -> None:
    """The resident's row and search terms, replacing what was stored."""
    resident_id = record.resident_id
    await remove(session, generation, [resident_id])
    await session.execute(insert(residents).values(record.row(generation, at)))
    terms = [
        {"generation": generation, "kind": kind, "term": term, "resident_id": resident_id}
        for kind, term in sorted(record.terms())
    ]
    if terms:
        await session.execute(insert(search_terms), terms)


async def remove(session: AsyncSession, generation: int, resident_ids: Sequence[str]) -> None:
    """The residents' rows and search terms go."""
    for table in (residents, search_terms):
        await session.execute(
            delete(table)
            .where(table.c.generation == generation)
            .where(table.c.resident_id.in_(resident_ids))
        )
