"""The service request updates feed, as mySociety's extension of GeoReport v2 lists it.

FixMyStreet reads ``GET servicerequestupdates.xml?start_date=…&end_date=…`` and, for
each ``request_update``, its ``update_id``, ``service_request_id``, ``status``,
``updated_datetime``, ``description``, ``media_url`` and ``external_status_code``.
Its ``status`` words (perllib/Open311.pm, ``map_state``: ``open``, ``closed``,
``fixed``, ``investigating``, ``in_progress``, ``action_scheduled``,
``no_further_action``…) are mapped from this council's states below; the state itself
is the ``external_status_code``.

What an update shows follows the same disclosure as ``GET requests``
(:func:`.queries.shown`): its text and media only for a public type that shows
``updates`` and ``media``, never for an erased resident's case; otherwise status and
date only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.orm import case_notes, cases, open311_updates
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.entrypoints.open311.queries import shown
from townhall.cases.entrypoints.open311.render import w3c

LIMIT = 1000
#: This council's states in FixMyStreet's status words.
STATUS_WORDS = {
    "submitted": "open",
    "triaged": "investigating",
    "awaiting_payment": "open",
    "scheduled": "action_scheduled",
    "in_progress": "in_progress",
    "resolved": "fixed",
    "closed": "closed",
    "cancelled": "closed",
    "rejected": "no_further_action",
}


async def updates(
    session: AsyncSession, catalogue: Catalogue, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Updates of offered types' cases made from ``start`` to ``end``, oldest first."""
    offered = [t.code for t in catalogue if t.open311 is not None]
    query = (
        select(
            open311_updates.c.id,
            open311_updates.c.status,
            open311_updates.c.created_at,
            open311_updates.c.media_urls,
            cases.c.reference,
            cases.c.service_code,
            cases.c.erased_at,
            case_notes.c.text,
        )
        .join(cases, cases.c.id == open311_updates.c.case_id)
        .outerjoin(case_notes, case_notes.c.id == open311_updates.c.note_id)
        .where(cases.c.service_code.in_(offered))
        .where(open311_updates.c.created_at >= start, open311_updates.c.created_at <= end)
        .order_by(open311_updates.c.created_at, open311_updates.c.id)
        .limit(LIMIT)
    )
    rows = (await session.execute(query)).all()
    return [_update(catalogue, row) for row in rows]


def _update(catalogue: Catalogue, row: Any) -> dict[str, Any]:
    service_type = catalogue.get(row.service_code)
    assert service_type is not None
    shows = shown(service_type)
    kept = row.erased_at is None
    media = list(row.media_urls or [])
    return {
        "update_id": str(row.id),
        "service_request_id": row.reference,
        "status": STATUS_WORDS.get(row.status, "open"),
        "updated_datetime": w3c(row.created_at),
        "description": row.text if kept and row.text and shows("updates") else None,
        "media_url": media[0] if kept and media and shows("media") else None,
        "external_status_code": row.status,
    }
