"""Residents' consent to share their history across domains (the ``consents`` table),
written by the projection and read inside the policy's query."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import consents
from townhall.runtime.db import insert_or_ignore


async def grant(
    session: AsyncSession, generation: int, resident_id: str, domain: str, at: datetime
) -> None:
    await session.execute(
        insert_or_ignore(session, consents).values(
            generation=generation, resident_id=resident_id, domain=domain, granted_at=at
        )
    )


async def withdraw(session: AsyncSession, generation: int, resident_id: str, domain: str) -> None:
    await session.execute(
        delete(consents)
        .where(consents.c.generation == generation)
        .where(consents.c.resident_id == resident_id)
        .where(consents.c.domain == domain)
    )
