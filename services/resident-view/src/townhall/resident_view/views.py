"""Read side: the timeline, newest first, with the policy inside the query."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.resident_view.policy import visible_to
from townhall.runtime.auth import Principal


async def timeline(
    session: AsyncSession, resident_id: str, viewer: Principal, limit: int
) -> list[dict[str, Any]]:
    query = (
        select(
            t.c.event_id,
            t.c.time,
            t.c.type,
            t.c.domain,
            t.c.sensitivity,
            t.c.summary,
            t.c.source,
            t.c.sequence,
            t.c.subject,
            t.c.data,
        )
        .where(t.c.resident_id == resident_id)
        .where(visible_to(viewer, resident_id))
        .order_by(t.c.time.desc(), t.c.event_id.desc())
        .limit(limit)
    )
    rows = (await session.execute(query)).mappings().all()
    return [{**row, "data": json.loads(row["data"])} for row in rows]
