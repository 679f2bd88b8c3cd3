"""The matching index saved in identity's database, so a restart need not rebuild it.

Building the index means reading every resident and normalising each record, which
takes tens of seconds for a large council; restoring a snapshot, a few.
A snapshot holds the index as it stood at an outbox ``sequence``: every change committed
up to that sequence is in it. Identity writes an outbox row, keyed by the resident, for
every change to a resident, and the outbox sequence has no gaps, so the residents that
changed since are exactly the keys of the rows after it; a start reloads those. When
rows after it were already pruned (``OUTBOX_RETENTION_S``), the snapshot cannot be caught
up and the index is rebuilt.

A snapshot is only used by the code that wrote it: ``ENGINE`` is a digest of the source
of the linkage engine, of ``record_of`` and of this module, so any change to how records
are normalised or blocked, or to the format, makes old snapshots unused. The payload is
``marshal`` data (builtin containers only: loading it runs no code), the records in it
pickled one by one and unpickled only when needed, by an unpickler that refuses every
class but the engine's records. Restoring sets the index's own structures directly
(:func:`loads`, :class:`_Blocks`): that is the part of this module that knows the
index's insides, and a test proves a restored index answers as the one it was taken from.
"""

from __future__ import annotations

import hashlib
import io
import marshal
import pickle
import uuid
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity import linkage
from townhall.identity.adapters.orm import linkage_index_snapshots
from townhall.identity.linkage.features import Features, Place
from townhall.identity.linkage.index import BlockingIndex, Key
from townhall.runtime.tables import outbox


def _engine_digest() -> str:
    here = Path(__file__).resolve().parent
    own = [here / "linkage_matcher.py", Path(__file__).resolve()]
    sources = [*sorted((here.parent / "linkage").glob("*.py")), *own]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


ENGINE = _engine_digest()


class Records:
    """Residents' records by id, to index them again as merges change. Those restored
    from a snapshot stay pickled until one is needed (most never are)."""

    def __init__(self) -> None:
        self._live: dict[str, linkage.Record] = {}
        self._pickled: dict[str, bytes] = {}

    def __contains__(self, resident_id: object) -> bool:
        return resident_id in self._live or resident_id in self._pickled

    def __getitem__(self, resident_id: str) -> linkage.Record:
        if resident_id not in self._live:
            pickled = self._pickled.pop(resident_id)
            self._live[resident_id] = _Unpickler(io.BytesIO(pickled)).load()
        return self._live[resident_id]

    def __setitem__(self, resident_id: str, record: linkage.Record) -> None:
        self._pickled.pop(resident_id, None)
        self._live[resident_id] = record

    def discard(self, resident_id: str) -> None:
        self._live.pop(resident_id, None)
        self._pickled.pop(resident_id, None)

    def dumps(self) -> dict[str, bytes]:
        live = {
            rid: pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL) for rid, r in self._live.items()
        }
        return {**self._pickled, **live}

    @classmethod
    def loads(cls, pickled: dict[str, bytes]) -> Records:
        records = cls()
        records._pickled = pickled
        return records


@dataclass(slots=True)
class IndexState:
    """What the matcher holds of the population besides the model."""

    records: Records  # every indexable resident
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
    """The state as builtin containers (``marshal``), so restoring it is mostly C."""
    index = state.index
    return marshal.dumps(
        {
            "facets": {rid: [_row(f) for f in facets] for rid, facets in index._facets.items()},
            "keys": {rid: tuple(keys) for rid, keys in index._keys.items()},
            "blocks": _Blocks.dumps(index._blocks),
            "parent": state.parent,
            "records": state.records.dumps(),
        }
    )


def compress(dumped: bytes) -> bytes:
    return zlib.compress(dumped, 1)


def loads(payload: bytes) -> IndexState:
    """The state back; the index's own structures are set as they were, not rebuilt
    (recomputing every blocking key is what a snapshot saves)."""
    saved = marshal.loads(zlib.decompress(payload))
    if not isinstance(saved, dict) or set(saved) != _PARTS:
        raise ValueError("not an index snapshot")
    index = BlockingIndex()
    index._facets = {rid: [_features(row) for row in rows] for rid, rows in saved["facets"].items()}
    index._keys = saved["keys"]  # only ever replaced or popped and iterated
    index._blocks = _Blocks(saved["blocks"])
    children: defaultdict[str, set[str]] = defaultdict(set)
    for child, parent in saved["parent"].items():
        children[parent].add(child)
    return IndexState(Records.loads(saved["records"]), saved["parent"], children, index)


class _Blocks(defaultdict[Key, set[str]]):
    """The index's blocks, each kept as the tuple restored until it is first used.

    Most blocks are never looked at before the next restart; making a set of every one
    at start is most of what a restore would cost. The index reads a block with
    ``get`` or ``[]`` and drops it with ``del``; each of those makes it a set first.
    """

    def __init__(self, restored: dict[Key, tuple[str, ...]]) -> None:
        super().__init__(set)
        self._restored = restored

    def get(self, key: Key, default: Any = None) -> Any:
        found = super().get(key)
        if found is None and key in self._restored:
            return self[key]
        return default if found is None else found

    def __missing__(self, key: Key) -> set[str]:
        block = set(self._restored.pop(key, ()))
        self[key] = block
        return block

    def __delitem__(self, key: Key) -> None:
        self._restored.pop(key, None)
        if super().__contains__(key):
            super().__delitem__(key)

    @staticmethod
    def dumps(blocks: dict[Key, set[str]]) -> dict[Key, tuple[str, ...]]:
        restored = blocks._restored if isinstance(blocks, _Blocks) else {}
        return {**restored, **{key: tuple(block) for key, block in blocks.items()}}


_PARTS = {"facets", "keys", "blocks", "parent", "records"}


def _row(features: Features) -> tuple[object, ...]:
    """A facet as builtins: its addresses (``Place``) as tuples of their fields."""
    row = [getattr(features, name) for name in _FEATURE_FIELDS]
    row[_PLACES_AT] = tuple(
        tuple(getattr(place, name) for name in _PLACE_FIELDS) for place in features.places
    )
    return tuple(row)


def _features(row: Sequence[Any]) -> Features:
    values = list(row)
    values[_PLACES_AT] = tuple(Place(*place) for place in values[_PLACES_AT])
    return Features(*values)


_FEATURE_FIELDS = tuple(f.name for f in fields(Features))
_PLACE_FIELDS = tuple(f.name for f in fields(Place))
_PLACES_AT = _FEATURE_FIELDS.index("places")
_ALLOWED = {
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("datetime", "date"),  # a record's date of birth
}
_ENGINE_PACKAGE = linkage.__name__ + "."


class _Unpickler(pickle.Unpickler):
    """Only builtin containers, dates and the engine's own records: no code can run."""

    def find_class(self, module: str, name: str) -> type:
        if (module, name) not in _ALLOWED and not _engine_record(module, name):
            raise pickle.UnpicklingError(f"a snapshot holds no {module}.{name}")
        found: type = super().find_class(module, name)
        return found


def _engine_record(module: str, name: str) -> bool:
    """A frozen dataclass of the linkage engine (Record, Address...)."""
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
