"""What producers sealed under residents' data keys, opened for one batch of events.

Two kinds of blob, both sealed with :mod:`townhall.runtime.crypto` in the context
``resident/<id>``:

* identity's resident events carry the resident's record in ``personal_data``
  (names, addresses… for search: :mod:`.resident_index`);
* cases' events carry what was written about the resident in ``sealed``, the fields the
  contract lists in ``SEALED_FIELDS`` (update and note text, a status change's reason,
  an attachment's file name), blank in clear (:mod:`.entries` fills them in).

The projector opens every blob of a batch first, fetching the keys it needs
concurrently (from cache where it can), before anything is written:

* identity cannot give a key: :class:`~townhall.runtime.data_keys.DataKeyUnavailableError`
  (retryable), the batch is tried again later and nothing is lost;
* the key is gone (the resident was erased): the blob stays shut; identity's data is
  skipped, cases' fields stay blank, and the entry still lands;
* a blob that does not open (another key, another context, altered): logged, shut.

A rebuild replays the same blobs with the same keys, so it opens the same ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import structlog

from townhall.runtime.crypto import DecryptionError, open_sealed
from townhall.runtime.data_keys import DataKeys, resident_context
from townhall.schemas.envelope import Envelope
from townhall.schemas.events import identity as contracts
from townhall.schemas.registry import EVENT_TYPES

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
#: event id → what its blob held, for every blob of a batch that opened.
Opened = dict[str, dict[str, Any]]


def sealed_fields(event_type: str) -> tuple[str, ...]:
    """The fields an event type may carry sealed in ``sealed`` (its contract says)."""
    model = EVENT_TYPES.get(event_type)
    fields: tuple[str, ...] = getattr(model, "SEALED_FIELDS", ())
    return fields


def _blob(envelope: Envelope) -> tuple[str, str] | None:
    """(resident id, blob) of an event that carries data sealed under a resident's key."""
    data = envelope.data
    if envelope.type in PERSONAL:
        blob, resident_id = data.get("personal_data"), data.get("resident_id")
    elif sealed_fields(envelope.type):
        blob, resident_id = data.get("sealed"), data.get("resident_id")
    else:
        return None
    if isinstance(blob, str) and isinstance(resident_id, str):
        return resident_id, blob
    return None


async def open_batch(keys: DataKeys | None, envelopes: Sequence[Envelope]) -> Opened:
    """Every blob in ``envelopes`` that opens, by event id."""
    sealed = {e.id: found for e in envelopes if (found := _blob(e)) is not None}
    if not sealed or keys is None:
        return {}
    by_resident = await _keys(keys, {resident_id for resident_id, _ in sealed.values()})
    opened: Opened = {}
    for event_id, (resident_id, blob) in sealed.items():
        key = by_resident[resident_id]
        if key is None:
            continue
        try:
            opened[event_id] = open_sealed(blob, key, context=resident_context(resident_id))
        except DecryptionError:
            log.warning("sealed_data_unreadable", event_id=event_id, resident_id=resident_id)
    return opened


async def _keys(keys: DataKeys, resident_ids: set[str]) -> dict[str, bytes | None]:
    limit = asyncio.Semaphore(CONCURRENT_FETCHES)

    async def one(resident_id: str) -> bytes | None:
        async with limit:
            return await keys.get(resident_id)

    ordered = sorted(resident_ids)
    # gather, not a TaskGroup: the first failure must reach the consumer as itself
    # (RetryableError), not wrapped in an ExceptionGroup it would take for poison
    return dict(zip(ordered, await asyncio.gather(*map(one, ordered)), strict=True))
