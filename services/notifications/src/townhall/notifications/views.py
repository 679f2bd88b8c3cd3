"""Read-side SQL: what the API shows (a resident's preferences as stored)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.notifications.adapters.orm import preferences


async def preferences_of(session: AsyncSession, resident_id: UUID) -> dict[str, Any]:
    """The resident's choices; the defaults when they made none."""
    query = select(preferences).where(preferences.c.resident_id == resident_id)
    row = (await session.execute(query)).first()
    if row is None:
        return {"resident_id": resident_id, "channels": [], "language": None, "non_essential": True}
    return {
        "resident_id": resident_id,
        "channels": [c for c in row.channels.split(",") if c],
        "language": row.language,
        "non_essential": row.non_essential,
    }
