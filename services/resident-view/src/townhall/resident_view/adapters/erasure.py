"""What an erasure does to a resident's stored history.

Their entries keep only what happened and when: data, summary, case reference and
channel go (identity destroyed the key that sealed their personal data). The entry
of the erasure itself stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import timeline_entries as t

ERASED_SUMMARY = "Personal data erased"


async def blank_entries(
    session: AsyncSession, generation: int, resident_ids: Sequence[str], *, except_event: str
) -> None:
    """Blank the entries of ``resident_ids`` in ``generation``, all but ``except_event``."""
    await session.execute(
        update(t)
        .where(t.c.generation == generation)
        .where(t.c.resident_id.in_(resident_ids))
        .where(t.c.event_id != except_event)
        .values(data="{}", summary=ERASED_SUMMARY, case_reference=None, channel=None)
    )
