"""What identity's events do to the view beyond a timeline entry, one effect per type.

* consent granted / withdrawn: the consents the policy reads;
* merged: the merged resident's history shows under the survivor; unmerged: it
  separates again (entries keep their own resident id, so nothing is rewritten);
* erased: the resident's entries keep only what happened and when, their data and
  summaries become unreadable (identity destroyed the key that sealed personal data),
  and so do the entries about them that arrive later (:func:`blank_erased`).

Each effect parses the event into its contract and calls one adapter; the SQL is in
:mod:`townhall.resident_view.adapters`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters import consents, erasure, merges
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import identity as contracts

Effect = Callable[[AsyncSession, int, Envelope], Awaitable[None]]


async def _consent_granted(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ConsentGranted.model_validate(e.data)
    await consents.grant(session, generation, str(event.resident_id), event.domain, e.time)


async def _consent_withdrawn(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ConsentWithdrawn.model_validate(e.data)
    await consents.withdraw(session, generation, str(event.resident_id), event.domain)


async def _merged(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ResidentMerged.model_validate(e.data)
    await merges.merge(session, generation, str(event.merged_id), str(event.resident_id))


async def _unmerged(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ResidentUnmerged.model_validate(e.data)
    await merges.unmerge(session, generation, str(event.unmerged_id))


async def _erased(session: AsyncSession, generation: int, e: Envelope) -> None:
    event = contracts.ResidentErased.model_validate(e.data)
    whose = await merges.residents_of(session, generation, str(event.resident_id))
    await erasure.blank_entries(session, generation, whose, except_event=e.id)


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


async def blank_erased(
    session: AsyncSession, generation: int, rows: Sequence[dict[str, Any]]
) -> None:
    """New entries about residents erased already are stored blank (but an erasure's)."""
    about = {row["resident_id"] for row in rows if row["type"] != contracts.ResidentErased.TYPE}
    gone = await erasure.erased_among(session, generation, about)
    for row in rows:
        if row["resident_id"] in gone and row["type"] != contracts.ResidentErased.TYPE:
            row.update(erasure.BLANK)
