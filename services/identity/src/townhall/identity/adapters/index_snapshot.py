"""The matching index saved in identity's database, so a restart need not rebuild it.

Building the index means reading every resident and normalising each record, which
takes tens of seconds for a large council; restoring a snapshot, about a second.
A snapshot holds the index as it stood at an outbox ``sequence``: every change committed
up to that sequence is in it. Identity writes an outbox row, keyed by the resident, for
every change to a resident, and the outbox sequence has no gaps, so the residents that
changed since are exactly the keys of the rows after it; a start reloads those. When
rows after it were already pruned (``OUTBOX_RETENTION_S``), the snapshot cannot be caught
up and the index is rebuilt.

A snapshot is only used by the code that wrote it: ``ENGINE`` is a digest of the source
of the linkage engine, of ``record_of`` and of this module, of the Python and jellyfish
versions (``marshal``'s format and the names' sounds), so any change to how records are
normalised or blocked, or to the format, makes old snapshots unused. The payload is
``marshal`` data (builtin containers only: loading it runs no code).

Restoring is made quick by turning into objects only what matching needs at once: the
blocks (which residents hold each key). Each resident's facets stay marshalled rows,
and its record pickled, until first read (``index_restored``); its blocking keys are
not saved at all but worked out from its facets when it changes (they are what its
blocks were built from). Saving is split likewise: :func:`freeze` copies the live
state on the event loop, cheaply (the containers, not the facets and records, which are
immutable); :func:`payload` turns the copy into bytes in a thread. A test proves a
restored index answers as the one it was taken from.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import sys
import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.index_restored import Blocks, Facets, Keys, Records, row
from townhall.identity.adapters.orm import linkage_index_snapshots
from townhall.identity.linkage.features import Features
from townhall.identity.linkage.index import BlockingIndex, Key
from townhall.runtime.tables import outbox


def _engine_digest() -> str:
    here = Path(__file__).resolve().parent
    own = [here / "linkage_matcher.py", here / "index_restored.py", Path(__file__).resolve()]
    sources = [*sorted((here.parent / "linkage").glob("*.py")), *own]
    digest = hashlib.sha256(f"{sys.version}\0{version('jellyfish')}\0".encode())
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


ENGINE = _engine_digest()


@dataclass(slots=True)
class IndexState:
    """What the matcher holds of the population besides the model."""

    records: Records  # every indexable resident
    parent: dict[str, str]  # merged id -> surviving id
    children: defaultdict[str, set[str]]
    index: BlockingIndex


@dataclass(frozen=True, slots=True)
class Frozen:
    """The state as it stood when :func:`freeze` was called, in containers of its own."""

    facets: dict[str, tuple[Features, ...] | bytes]
    blocks: dict[Key, tuple[str, ...]]
    parent: dict[str, str]
    records: Records


@dataclass(frozen=True, slots=True)
class Snapshot:
    sequence: int
    residents: int
    created_at: datetime
    payload: bytes


def freeze(state: IndexState) -> Frozen:
    """A copy of the live state that later changes do not touch (on the event loop:
    the live state is only ever changed there). Facets and records are immutable, so
    only the containers holding them are copied."""
    index = state.index
    with _uncollected():
        facets = Facets.raw(index._facets)
        return Frozen(
            {rid: f if isinstance(f, bytes) else tuple(f) for rid, f in facets.items()},
            Blocks.frozen(index._blocks),
            dict(state.parent),
            state.records.copy(),
        )


@contextmanager
def _uncollected() -> Iterator[None]:
    """No garbage collection meanwhile: the copy makes hundreds of thousands of tuples,
    enough to set off full collections over the whole index, which would hold the
    event loop longer than the copy itself (they come once it is done)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def payload(frozen: Frozen) -> bytes:
    """The snapshot's bytes (in a thread: this is the slow part of saving)."""
    dumped = marshal.dumps(
        {
            "facets": {
                rid: f if isinstance(f, bytes) else marshal.dumps([row(x) for x in f])
                for rid, f in frozen.facets.items()
            },
            "blocks": frozen.blocks,
            "parent": frozen.parent,
            "records": frozen.records.dumps(),
        }
    )
    return zlib.compress(dumped, 1)


def loads(payload: bytes) -> IndexState:
    """The state back; the index's own structures are set as they were, not rebuilt
    (recomputing every blocking key is what a snapshot saves)."""
    saved = marshal.loads(zlib.decompress(payload))
    if not isinstance(saved, dict) or set(saved) != _PARTS:
        raise ValueError("not an index snapshot")
    index = BlockingIndex()
    index._facets = Facets(saved["facets"])
    index._keys = Keys(index._facets)
    index._blocks = Blocks(saved["blocks"])
    children: defaultdict[str, set[str]] = defaultdict(set)
    for child, parent in saved["parent"].items():
        children[parent].add(child)
    return IndexState(Records.loads(saved["records"]), saved["parent"], children, index)


_PARTS = {"facets", "blocks", "parent", "records"}


class SnapshotStore:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def latest(self) -> Snapshot | None:
        """The newest snapshot written by this engine's code, if any."""
        table = linkage_index_snapshots
        query = select(table).where(table.c.engine == ENGINE).order_by(table.c.id.desc())
        row = (await self.session.execute(query.limit(1))).mappings().one_or_none()
        if row is None:
            return None
        return Snapshot(row["sequence"], row["residents"], row["created_at"], row["payload"])

    async def replace(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` as the only one (older ones are never read again)."""
        await self.session.execute(delete(linkage_index_snapshots))
        await self.session.execute(
            insert(linkage_index_snapshots).values(
                created_at=snapshot.created_at,
                engine=ENGINE,
                sequence=snapshot.sequence,
                residents=snapshot.residents,
                payload=snapshot.payload,
            )
        )


class Changes:
    """Which residents changed after an outbox sequence, from identity's outbox."""

    def __init__(self, session: AsyncSession):
        self.session = session

    async def head(self) -> int:
        """The last sequence committed (0 before the first event)."""
        last = (await self.session.execute(select(func.max(outbox.c.sequence)))).scalar()
        return int(last or 0)

    async def between(self, after: int, upto: int) -> set[uuid.UUID] | None:
        """The residents whose events are in (after, upto]; None if some were pruned."""
        rows = (
            await self.session.execute(
                select(outbox.c.sequence, outbox.c.key).where(
                    outbox.c.sequence > after, outbox.c.sequence <= upto
                )
            )
        ).all()
        if len(rows) != upto - after:
            return None
        return {rid for rid in (_uuid(row.key) for row in rows) if rid is not None}


def _uuid(key: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(key)
    except ValueError:
        return None
