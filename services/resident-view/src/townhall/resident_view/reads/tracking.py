"""Tracking's queries: who a request belongs to, and its steps across services.

The steps are the timeline entries that carry the request's reference, whichever
service published them (cases, payments, booking, notifications…), oldest first, with
the viewer's policy inside the query. What they say about the request's state is read
by :mod:`.request_state`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import case, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.merges import residents_of
from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.resident_view.reads.policy import Visibility
from townhall.resident_view.reads.timeline import params

#: What a request reference looks like, e.g. ``PC-2026-000123``.
REFERENCE = r"^[A-Za-z0-9][A-Za-z0-9-]{1,63}$"


async def owners(session: AsyncSession, generation: int, reference: str) -> list[str]:
    """The residents whose entries carry ``reference`` (usually one)."""
    query = (
        select(t.c.resident_id)
        .distinct()
        .where(t.c.generation == generation)
        .where(t.c.case_reference == reference)
    )
    return sorted((await session.execute(query)).scalars())


async def own_residents(session: AsyncSession, generation: int, resident_id: str) -> list[str]:
    """The resident and everyone merged into them: whose requests are theirs."""
    return await residents_of(session, generation, resident_id)


async def steps(
    session: AsyncSession,
    generation: int,
    reference: str,
    seen: Visibility,
    whose: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The request's entries the viewer may see (of ``whose`` residents only, if given),
    oldest first. ``data`` is the entry's whole data (to read the state from); ``view``
    says whether the viewer may see it."""
    view = case((seen.detail, literal("detail")), else_=literal("summary")).label("view")
    query = (
        select(
            t.c.event_id,
            t.c.time,
            t.c.type,
            t.c.domain,
            t.c.source,
            t.c.summary,
            t.c.summary_code,
            t.c.summary_params,
            t.c.claimed,
            view,
            t.c.data,
        )
        .where(t.c.generation == generation)
        .where(t.c.case_reference == reference)
        .where(seen.any)
        .order_by(t.c.time, t.c.source, t.c.sequence, t.c.event_id)
    )
    if whose is not None:
        query = query.where(t.c.resident_id.in_(whose))
    rows = (await session.execute(query)).mappings().all()
    return [
        {
            **row,
            "time": row["time"],
            "service": row["source"].rstrip("/").rsplit("/", 1)[-1],
            "data": json.loads(row["data"]),
            "summary_params": params(row["summary_params"]),
        }
        for row in rows
    ]


async def withheld(
    session: AsyncSession, generation: int, reference: str, seen: Visibility, whose: list[str]
) -> bool:
    """Whether the viewer's level of assurance withholds any of the request's steps."""
    if seen.withheld is None:
        return False
    query = select(
        exists()
        .where(t.c.generation == generation)
        .where(t.c.case_reference == reference)
        .where(t.c.resident_id.in_(whose))
        .where(seen.withheld)
    )
    return bool((await session.execute(query)).scalar())
