"""Open311's read side: service requests, showing only what the council made public.

Each type's catalogue file says whether its requests are public and what their
listing shows (``open311: {public, show}``, see
:class:`~townhall.cases.domain.catalogue.Open311Definition`). Without an Open311 key only
public types are listed; a key holder (an integrator such as FixMyStreet following the
requests it sent) also sees the other offered types, with status, type and dates only.
Never shown to anyone here: the reporter, the UPRN, officers' internal notes.

A type whose sensitivity is not ``public`` (``personal`` and above: about someone's
home, household or circumstances) shows no description, address, location, updates or
media in any Open311 list, whatever its file says (:func:`shown`): where a personal
request is, and what its resident wrote, point at a person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.orm import case_notes, cases, open311_tokens
from townhall.cases.domain.catalogue import FINISHED_STATES, Catalogue, ServiceType
from townhall.cases.entrypoints.open311.render import w3c

LIMIT = 1000


@dataclass(frozen=True)
class Filters:
    ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: Sequence[str] = ()


def shown(service_type: ServiceType) -> Callable[[str], bool]:
    """What an Open311 list shows of ``service_type``'s requests beyond status, type and
    dates: what its file says for a public-sensitivity type, nothing for any other."""
    definition = service_type.open311
    if definition is None or service_type.sensitivity != "public":
        return lambda _: False
    return definition.shows


def listed_types(catalogue: Catalogue, *, keyed: bool) -> list[str]:
    """The types whose requests this caller may see: public ones, or every offered one."""
    return [t.code for t in catalogue if t.open311 and (keyed or t.open311.public)]


async def find(
    session: AsyncSession, catalogue: Catalogue, f: Filters, *, keyed: bool = False
) -> list[dict[str, Any]]:
    query = select(cases).where(cases.c.service_code.in_(listed_types(catalogue, keyed=keyed)))
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
    """One request as its type's disclosure allows: absent fields are null, as the spec's
    optional fields may be. ``address_id`` (the UPRN) and ``agency_responsible`` (an
    officer's free text) are never filled in."""
    service_type = catalogue.get(row.service_code)
    assert service_type is not None
    shows = shown(service_type)
    return {
        "service_request_id": row.reference,
        "status": "closed" if row.status in FINISHED_STATES else "open",
        "status_notes": await _latest_update(session, row.id) if shows("updates") else None,
        "service_name": service_type.name,
        "service_code": row.service_code,
        "description": (row.description or None) if shows("description") else None,
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": w3c(row.created_at),
        "updated_datetime": w3c(row.updated_at),
        "expected_datetime": w3c(row.due_at),
        "address": row.address if shows("address") else None,
        "address_id": None,
        "zipcode": None,
        "lat": row.latitude if shows("location") else None,
        "long": row.longitude if shows("location") else None,
        "media_url": _media(row.details) if shows("media") else None,
    }


def _media(details: dict[str, Any]) -> str | None:
    """GeoReport v2's one ``media_url`` of a request: its first photo (all are kept)."""
    photos = details.get("photos") or []
    return str(photos[0]) if photos else None
