"""What an erasure does to a resident's stored history.

Their entries keep only what happened and when: data, summary, case reference and
channel go (identity destroyed the key that sealed their personal data, and what
other services published in clear goes here). The entry of the erasure itself stays
as it was. The resident is remembered as erased, so entries about them that arrive
later (another service's topic read after identity's, a rebuild) are stored blank.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import erased_residents as erased
from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.runtime.db import insert_or_ignore

ERASED_SUMMARY = "Personal data erased"
#: What an erased resident's entry keeps of each of these columns.
BLANK: dict[str, Any] = {
    "data": "{}",
    "summary": ERASED_SUMMARY,
    #: the same as a code a front door words in its reader's language
    "summary_code": "erased",
    "summary_params": "{}",
    "case_reference": None,
    "channel": None,
}


async def blank_entries(
    session: AsyncSession, generation: int, resident_ids: Sequence[str], *, except_event: str
) -> None:
    """Blank the entries of ``resident_ids`` in ``generation``, all but ``except_event``,
    and remember them as erased."""
    await session.execute(
        update(t)
        .where(t.c.generation == generation)
        .where(t.c.resident_id.in_(resident_ids))
        .where(t.c.event_id != except_event)
        .values(**BLANK)
    )
    for resident_id in resident_ids:
        await session.execute(
            insert_or_ignore(session, erased).values(generation=generation, resident_id=resident_id)
        )


async def erased_among(
    session: AsyncSession, generation: int, resident_ids: Collection[str]
) -> set[str]:
    """Those of ``resident_ids`` erased already."""
    if not resident_ids:
        return set()
    query = (
        select(erased.c.resident_id)
        .where(erased.c.generation == generation)
        .where(erased.c.resident_id.in_(set(resident_ids)))
    )
    return set((await session.execute(query)).scalars())
