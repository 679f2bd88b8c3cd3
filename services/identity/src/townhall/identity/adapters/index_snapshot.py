"""The matching index saved in identity's database, so a restart need not rebuild it.

Building the index means reading every resident and normalising each record, which
takes tens of seconds for a large council; restoring a snapshot takes about a second.
A snapshot holds the index as it stood at an outbox ``sequence``: every change committed
up to that sequence is in it. Identity writes an outbox row, keyed by the resident, for
every change to a resident, and the outbox sequence has no gaps, so the residents that
changed since are exactly the keys of the rows after it; a start reloads those. When
rows after it were already pruned (``OUTBOX_RETENTION_S``), the snapshot cannot be caught
up and the index is rebuilt.

A snapshot is only used by the code that wrote it: ``ENGINE`` is a digest of the source
of the linkage engine and of ``record_of``, so any change to how records are normalised
or blocked makes old snapshots unused. The payload is a pickle; reading it refuses every
class but the index's own (:class:`_Unpickler`), so a payload cannot run code.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity import linkage
from townhall.identity.adapters.orm import linkage_index_snapshots
from townhall.identity.linkage.index import BlockingIndex
from townhall.runtime.tables import outbox


def _engine_digest() -> str:
    here = Path(__file__).resolve().parent
    sources = [*sorted((here.parent / "linkage").glob("*.py")), here / "linkage_matcher.py"]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


ENGINE = _engine_digest()


@dataclass(slots=True)
class IndexState:
    """What the matcher holds of the population besides the model."""

    records: dict[str, linkage.Record]  # every indexable resident
    parent: dict[str, str]  # merged id -> surviving id
    children: defaultdict[str, set[str]]
    index: BlockingIndex


@dataclass(frozen=True, slots=True)
class Snapshot:
    sequence: int
    residents: int
    created_at: datetime
    payload: bytes


def dumps(state: IndexState) -> bytes:
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


def compress(pickled: bytes) -> bytes:
    return zlib.compress(pickled, 1)


def loads(payload: bytes) -> IndexState:
    state = _Unpickler(io.BytesIO(zlib.decompress(payload))).load()
    if not isinstance(state, IndexState):
        raise pickle.UnpicklingError("not an index snapshot")
    return state


_ALLOWED = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("collections", "defaultdict"),
    ("datetime", "date"),  # a record's date of birth
    (IndexState.__module__, IndexState.__name__),
    (BlockingIndex.__module__, BlockingIndex.__name__),
}
_ENGINE_PACKAGE = linkage.__name__ + "."


class _Unpickler(pickle.Unpickler):
    """Only the index's own types: builtin containers, dates and the engine's records."""

    def find_class(self, module: str, name: str) -> type:
        if (module, name) not in _ALLOWED and not _engine_record(module, name):
            raise pickle.UnpicklingError(f"a snapshot holds no {module}.{name}")
        found: type = super().find_class(module, name)
        return found


def _engine_record(module: str, name: str) -> bool:
    """A frozen dataclass of the linkage engine (Record, Address, Features...)."""
    if not module.startswith(_ENGINE_PACKAGE) or name.startswith("_"):
        return False
    found = getattr(__import__(module, fromlist=[name]), name, None)
    params = getattr(found, "__dataclass_params__", None)
    return isinstance(found, type) and params is not None and params.frozen


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
