"""Open311's read side: public service requests, with no personal data.

Requests of types with personal sensitivity show status, type and dates only; their
location and description stay private. Only types offered on Open311 are listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.orm import case_notes, cases, open311_tokens
from townhall.cases.domain.catalogue import FINISHED_STATES, Catalogue
from townhall.cases.entrypoints.open311.render import w3c

LIMIT = 1000


@dataclass(frozen=True)
class Filters:
    ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: Sequence[str] = ()


def _offered(catalogue: Catalogue) -> list[str]:
    return [t.code for t in catalogue if t.open311 is not None]


async def find(session: AsyncSession, catalogue: Catalogue, f: Filters) -> list[dict[str, Any]]:
    query = select(cases).where(cases.c.service_code.in_(_offered(catalogue)))
    if f.ids:
        query = query.where(cases.c.reference.in_(list(f.ids)))
    else:
        if f.service_codes:
            query = query.where(cases.c.service_code.in_(list(f.service_codes)))
        if f.start:
            query = query.where(cases.c.created_at >= f.start)
        if f.end:
            query = query.where(cases.c.created_at <= f.end)
        finished = sorted(FINISHED_STATES)
        if f.statuses == ["open"]:
            query = query.where(cases.c.status.not_in(finished))
        elif f.statuses == ["closed"]:
            query = query.where(cases.c.status.in_(finished))
    query = query.order_by(cases.c.created_at.desc()).limit(LIMIT)
    rows = (await session.execute(query)).all()
    return [await _request(session, catalogue, row) for row in rows]


async def by_token(session: AsyncSession, token: str) -> str | None:
    query = (
        select(cases.c.reference)
        .join(open311_tokens, open311_tokens.c.case_id == cases.c.id)
        .where(open311_tokens.c.token == token)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _latest_update(session: AsyncSession, case_id: Any) -> str | None:
    query = (
        select(case_notes.c.text)
        .where(case_notes.c.case_id == case_id, case_notes.c.public.is_(True))
        .order_by(case_notes.c.created_at.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _request(session: AsyncSession, catalogue: Catalogue, row: Any) -> dict[str, Any]:
    service_type = catalogue.get(row.service_code)
    assert service_type is not None
    public = service_type.sensitivity == "public"
    return {
        "service_request_id": row.reference,
        "status": "closed" if row.status in FINISHED_STATES else "open",
        "status_notes": await _latest_update(session, row.id),
        "service_name": service_type.name,
        "service_code": row.service_code,
        "description": row.description if public else None,
        "agency_responsible": row.team,
        "service_notice": None,
        "requested_datetime": w3c(row.created_at),
        "updated_datetime": w3c(row.updated_at),
        "expected_datetime": w3c(row.due_at),
        "address": row.address if public else None,
        "address_id": row.uprn if public else None,
        "zipcode": None,
        "lat": row.latitude if public else None,
        "long": row.longitude if public else None,
        "media_url": _media(row.details) if public else None,
    }


def _media(details: dict[str, Any]) -> str | None:
    photos = details.get("photos") or []
    return str(photos[0]) if photos else None
