"""Residents for search: identity's sealed personal data, opened and kept current.

For each batch the projector first calls :meth:`ResidentIndex.open`, which fetches the
data keys it needs (concurrently, from cache where it can) and opens the sealed
personal data, before anything is written; then :meth:`ResidentIndex.apply` per event,
in order, which folds the opened data into the resident's row and search terms.

* identity down: the key client raises RetryableError and the batch is retried later;
* a key that is gone (the resident was erased): the data is skipped;
* erased: the resident's row and search terms go (and those of everyone merged into
  them), and their key leaves the cache;
* merged and unmerged: nothing here, search follows the ``merges`` table as it reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.resident_view.adapters import merges, resident_store
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.residents.record import ResidentRecord
from townhall.runtime.crypto import DecryptionError, open_sealed
from townhall.runtime.data_keys import DataKeys, data_keys
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import identity as contracts

log = structlog.get_logger(__name__)

#: Identity's events that carry (part of) the resident's record, sealed.
PERSONAL = frozenset(
    {
        contracts.ResidentRegistered.TYPE,
        contracts.ResidentDetailsChanged.TYPE,
        contracts.ResidentMoved.TYPE,
        contracts.ResidentContactPointsChanged.TYPE,
        contracts.ResidentIdentifierLinked.TYPE,
    }
)
CONCURRENT_FETCHES = 8
Opened = dict[str, dict[str, Any]]


def _sealed(envelope: Envelope) -> tuple[str, str] | None:
    """(resident id, blob) of an identity event that carries sealed personal data."""
    if envelope.type not in PERSONAL:
        return None
    blob, resident_id = envelope.data.get("personal_data"), envelope.data.get("resident_id")
    if isinstance(blob, str) and isinstance(resident_id, str):
        return resident_id, blob
    return None


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
        """event id → the personal data it carried, for every blob that opens."""
        sealed = {e.id: found for e in envelopes if (found := _sealed(e)) is not None}
        if not sealed or self.keys is None:
            return {}
        keys = await self._keys({resident_id for resident_id, _ in sealed.values()})
        opened: Opened = {}
        for event_id, (resident_id, blob) in sealed.items():
            key = keys[resident_id]
            if key is None:
                continue
            try:
                opened[event_id] = open_sealed(blob, key, context=f"resident/{resident_id}")
            except DecryptionError:
                log.warning("personal_data_unreadable", event_id=event_id, resident_id=resident_id)
        return opened

    async def _keys(self, resident_ids: set[str]) -> dict[str, bytes | None]:
        assert self.keys is not None
        keys, limit = self.keys, asyncio.Semaphore(CONCURRENT_FETCHES)

        async def one(resident_id: str) -> bytes | None:
            async with limit:
                return await keys.get(resident_id)

        ordered = sorted(resident_ids)
        # gather, not a TaskGroup: the first failure must reach the consumer as itself
        # (RetryableError), not wrapped in an ExceptionGroup it would take for poison
        return dict(zip(ordered, await asyncio.gather(*map(one, ordered)), strict=True))

    async def apply(
        self, session: AsyncSession, generation: int, envelope: Envelope, opened: Opened
    ) -> None:
        if envelope.type == contracts.ResidentErased.TYPE:
            await self._erase(session, generation, str(envelope.data["resident_id"]))
            return
        personal = opened.get(envelope.id)
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
