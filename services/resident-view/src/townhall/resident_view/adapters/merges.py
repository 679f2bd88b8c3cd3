"""Merged residents: whose history shows under whom (the ``merges`` table).

Identity merges a resident into a survivor and may unmerge them again; entries keep
their own resident id, so nothing else is rewritten. Both sides read it: the
projection to erase everyone merged into a resident, the read side to show a
survivor's history with everyone merged into them.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import merges
from townhall.runtime.db import insert_or_ignore


async def residents_of(session: AsyncSession, generation: int, resident_id: str) -> list[str]:
    """The resident and everyone merged into them."""
    query = (
        select(merges.c.merged_id)
        .where(merges.c.generation == generation)
        .where(merges.c.survivor_id == resident_id)
    )
    return [resident_id, *(await session.execute(query)).scalars()]


async def merge(session: AsyncSession, generation: int, merged: str, survivor: str) -> None:
    """``merged`` now shows under ``survivor``, and so does whoever was merged into it."""
    await session.execute(
        update(merges)
        .where(merges.c.generation == generation)
        .where(merges.c.survivor_id == merged)
        .values(survivor_id=survivor)
    )
    await session.execute(
        insert_or_ignore(session, merges).values(
            generation=generation, merged_id=merged, survivor_id=survivor
        )
    )


async def unmerge(session: AsyncSession, generation: int, unmerged: str) -> None:
    await session.execute(
        delete(merges)
        .where(merges.c.generation == generation)
        .where(merges.c.merged_id == unmerged)
    )
