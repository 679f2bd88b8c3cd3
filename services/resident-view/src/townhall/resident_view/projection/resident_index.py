"""Residents for search: identity's sealed personal data, opened and kept current.

For each batch the projector first calls :meth:`ResidentIndex.open`, which opens every
blob sealed under a residents' key (:mod:`.sealed`: identity's records, and cases'
text for the timeline entries) before anything is written; then
:meth:`ResidentIndex.apply` per event, in order, which folds identity's opened data into
the resident's row and search terms.

* identity down: the key client raises RetryableError and the batch is retried later;
* a key that is gone (the resident was erased): the data is skipped;
* erased: the resident's row and search terms go (and those of everyone merged into
  them), and their key leaves the cache;
* merged and unmerged: nothing here, search follows the ``merges`` table as it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters import merges, resident_store
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.projection.sealed import PERSONAL, Opened, open_batch
from townhall.resident_view.residents.record import ResidentRecord
from townhall.runtime.data_keys import DataKeys, data_keys
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import identity as contracts


class ResidentIndex:
    """The residents table and search terms, fed by the projector."""

    def __init__(self, keys: DataKeys | None = None):
        self.keys = keys

    @classmethod
    def configured(
        cls, settings: ResidentViewSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> ResidentIndex:
        """Opened with identity's data keys where configured; ``transport`` carries the
        calls to identity (tests: ASGI)."""
        keys = data_keys(
            settings.identity_url,
            settings.identity_client_id,
            settings.identity_client_secret,
            timeout_s=settings.identity_timeout_s,
            cache_size=settings.data_key_cache_size,
            cache_ttl_s=settings.data_key_cache_ttl_s,
            transport=transport,
        )
        return cls(keys)

    async def open(self, envelopes: Sequence[Envelope]) -> Opened:
        """event id → what it carried sealed, for every blob in the batch that opens
        (identity's records and cases' text alike: one fetch of each key)."""
        return await open_batch(self.keys, envelopes)

    async def apply(
        self, session: AsyncSession, generation: int, envelope: Envelope, opened: Opened
    ) -> None:
        if envelope.type == contracts.ResidentErased.TYPE:
            await self._erase(session, generation, str(envelope.data["resident_id"]))
            return
        personal = opened.get(envelope.id) if envelope.type in PERSONAL else None
        if personal is None:
            return
        await self._save(session, generation, envelope, personal)

    async def _erase(self, session: AsyncSession, generation: int, resident_id: str) -> None:
        whose = await merges.residents_of(session, generation, resident_id)
        await resident_store.remove(session, generation, whose)
        if self.keys is not None:
            for erased in whose:
                self.keys.forget(erased)

    async def _save(
        self,
        session: AsyncSession,
        generation: int,
        envelope: Envelope,
        personal: dict[str, Any],
    ) -> None:
        """Fold the event's personal data into the resident's record and store it."""
        resident_id = str(envelope.data["resident_id"])
        system = envelope.data.get("system")
        stored = await resident_store.load(session, generation, resident_id)
        record = (stored or ResidentRecord(resident_id)).updated(
            personal, system if isinstance(system, str) else None
        )
        await resident_store.save(session, generation, record, envelope.time)
