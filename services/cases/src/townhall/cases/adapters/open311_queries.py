"""Open311's own rows in the cases database, written in the business transaction.

``open311_requests``: what a client said about a request beyond GeoReport v2's fields.
``open311_updates``: the service request updates feed (mySociety's extension), one row
per status change or public update of a case whose type is offered on Open311.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.orm import open311_requests, open311_updates
from townhall.cases.domain import events
from townhall.cases.domain.model import Case
from townhall.cases.domain.open311 import ClientAttributes
from townhall.runtime.db import insert_or_ignore


async def add_client_attributes(
    session: AsyncSession, case_id: uuid.UUID, attributes: ClientAttributes
) -> None:
    values = vars(attributes) | {"media_urls": list(attributes.media_urls)}
    await session.execute(insert(open311_requests).values(case_id=case_id, **values))


async def update_by_external_id(
    session: AsyncSession, case_id: uuid.UUID, external_id: str
) -> int | None:
    query = select(open311_updates.c.id).where(
        open311_updates.c.case_id == case_id, open311_updates.c.external_id == external_id
    )
    found = (await session.execute(query)).scalar_one_or_none()
    return None if found is None else int(found)


async def record_updates(session: AsyncSession, cases: Iterable[Case]) -> None:
    """A feed row for each status change and public update of an offered type's case
    among ``cases``' new events (a row for a note already recorded is left as it is)."""
    for case in cases:
        if case.service_type.open311 is None:
            continue
        for event in case.events:
            if isinstance(event, events.CaseStatusChanged):
                await _add(session, case, status=event.to_status)
            elif isinstance(event, events.CaseUpdatePosted):
                await _add(session, case, status=case.status, note_id=event.note_id)


async def record_posted_update(
    session: AsyncSession,
    case: Case,
    note_id: uuid.UUID,
    *,
    external_id: str | None,
    media_urls: Iterable[str],
) -> int:
    """The feed row of an update a client posted, with its own id and media; its id."""
    return await _add(
        session,
        case,
        status=case.status,
        note_id=note_id,
        external_id=external_id,
        media_urls=list(media_urls),
    )


async def _add(
    session: AsyncSession,
    case: Case,
    *,
    status: str,
    note_id: uuid.UUID | None = None,
    external_id: str | None = None,
    media_urls: list[str] | None = None,
) -> int:
    created_at: datetime = case.updated_at or case.created_at
    statement = insert_or_ignore(session, open311_updates).values(
        case_id=case.id,
        status=status,
        note_id=note_id,
        external_id=external_id,
        media_urls=media_urls or [],
        created_at=created_at,
    )
    result = await session.execute(statement.returning(open311_updates.c.id))
    return int(result.scalar() or 0)


async def blank_erased(session: AsyncSession, cases: Iterable[Case]) -> None:
    """Erasure reaches what a client said about an erased resident's request: the title
    is the reporter's words, media may show them."""
    erased = [case.id for case in cases if case.erased_at is not None]
    if not erased:
        return
    await session.execute(
        update(open311_requests)
        .where(open311_requests.c.case_id.in_(erased))
        .values(title=None, media_urls=[])
    )
    await session.execute(
        update(open311_updates).where(open311_updates.c.case_id.in_(erased)).values(media_urls=[])
    )
