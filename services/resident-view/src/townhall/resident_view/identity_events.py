"""What identity's events do to the store beyond a timeline entry.

* consent granted / withdrawn: the consents the policy reads;
* merged: the merged resident's history shows under the survivor; unmerged: it
  separates again (entries keep their own resident id, so nothing is rewritten);
* erased: the resident's entries keep only what happened and when, their data and
  summaries become unreadable (identity destroyed the key that sealed personal data).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters.orm import consents, merges
from townhall.resident_view.adapters.orm import timeline_entries as t
from townhall.runtime.db import insert_or_ignore
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import identity as contracts

ERASED_SUMMARY = "Personal data erased"
Effect = Callable[[AsyncSession, int, Envelope], Awaitable[None]]


async def _consent_granted(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ConsentGranted.model_validate(e.data)
    await session.execute(
        insert_or_ignore(session, consents).values(
            generation=generation,
            resident_id=str(event.resident_id),
            domain=event.domain,
            granted_at=e.time,
        )
    )


async def _consent_withdrawn(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ConsentWithdrawn.model_validate(e.data)
    await session.execute(
        delete(consents)
        .where(consents.c.generation == generation)
        .where(consents.c.resident_id == str(event.resident_id))
        .where(consents.c.domain == event.domain)
    )


async def _merged(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ResidentMerged.model_validate(e.data)
    survivor, merged = str(event.resident_id), str(event.merged_id)
    # whatever had been merged into the merged resident now follows the survivor too
    await session.execute(
        update(merges)
        .where(merges.c.generation == generation)
        .where(merges.c.survivor_id == merged)
        .values(survivor_id=survivor)
    )
    await session.execute(
        insert_or_ignore(session, merges).values(
            generation=generation, merged_id=merged, survivor_id=survivor
        )
    )


async def _unmerged(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ResidentUnmerged.model_validate(e.data)
    await session.execute(
        delete(merges)
        .where(merges.c.generation == generation)
        .where(merges.c.merged_id == str(event.unmerged_id))
    )


async def _erased(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ResidentErased.model_validate(e.data)
    whose = await residents_of(session, generation, str(event.resident_id))
    await session.execute(
        update(t)
        .where(t.c.generation == generation)
        .where(t.c.resident_id.in_(whose))
        .where(t.c.event_id != e.id)
        .values(data="{}", summary=ERASED_SUMMARY, case_reference=None, channel=None)
    )


async def residents_of(session: AsyncSession, generation: int, resident_id: str) -> list[str]:
    """The resident and everyone merged into them."""
    query = (
        select(merges.c.merged_id)
        .where(merges.c.generation == generation)
        .where(merges.c.survivor_id == resident_id)
    )
    return [resident_id, *(await session.execute(query)).scalars()]


EFFECTS: dict[str, Effect] = {
    contracts.ConsentGranted.TYPE: _consent_granted,
    contracts.ConsentWithdrawn.TYPE: _consent_withdrawn,
    contracts.ResidentMerged.TYPE: _merged,
    contracts.ResidentUnmerged.TYPE: _unmerged,
    contracts.ResidentErased.TYPE: _erased,
}


async def apply(session: AsyncSession, generation: int, envelope: Envelope) -> None:
    effect = EFFECTS.get(envelope.type)
    if effect is not None:
        await effect(session, generation, envelope)
