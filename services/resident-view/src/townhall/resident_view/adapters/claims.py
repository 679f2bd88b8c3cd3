"""Claimed reports as stored: which are confirmed, and confirming them.

A ``case.submitted`` (or ``case.resident_matched``) entry with ``claimed`` set is a
report in a resident's name that only claims to be theirs; ``case.reporter_confirmed``
confirms it. Both are entries of
the same request (reference and source), so either may be looked up from the other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.schemas.events.cases import REPORT_TYPES, CaseReporterConfirmed

Request = tuple[str, str]  # (case reference, source)


async def confirmed(
    session: AsyncSession, generation: int, requests: Collection[Request]
) -> set[Request]:
    """Those of ``requests`` whose confirmation is stored already."""
    query = (
        select(t.c.case_reference, t.c.source)
        .where(t.c.generation == generation)
        .where(t.c.type == CaseReporterConfirmed.TYPE)
        .where(t.c.case_reference.in_({reference for reference, _ in requests}))
    )
    stored = {(str(reference), str(source)) for reference, source in await session.execute(query)}
    return stored & set(requests)


async def confirm(
    session: AsyncSession, generation: int, request: Request, said: Mapping[str, Any]
) -> None:
    """The request's claimed report is the resident's own from now on; ``said`` is what
    it says then (its summary columns)."""
    reference, source = request
    await session.execute(
        update(t)
        .where(t.c.generation == generation)
        .where(t.c.type.in_(REPORT_TYPES))
        .where(t.c.case_reference == reference)
        .where(t.c.source == source)
        .where(t.c.claimed.is_(True))
        .values(claimed=False, **said)
    )
