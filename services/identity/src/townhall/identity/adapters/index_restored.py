"""The matching index's containers as a snapshot restores them: each part kept as saved
until it is first needed (see ``index_snapshot``).

Most residents are never looked at between two restarts; turning every one's facets
and record back into objects at start would be most of what a restore costs. So each
container here stands in for the plain one the index and the matcher use (a dict, a
defaultdict), answers what they ask of it (``in``, ``len``, iteration, ``[]``, ``del``;
``get`` for the blocks) as the plain one would, and turns a resident's part into
objects the first time it is read. Records are unpickled by an unpickler that refuses
every class but the engine's own records. Each container is read and changed only on
the event loop; ``index_snapshot.freeze`` copies them there.
"""

from __future__ import annotations

import io
import marshal
import pickle
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, cast

from townhall.identity import linkage
from townhall.identity.linkage.features import Features, Place
from townhall.identity.linkage.index import Key, facet_keys


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

    def copy(self) -> Records:
        """Records of their own holding the same (immutable) records."""
        copied = Records()
        copied._live, copied._pickled = dict(self._live), dict(self._pickled)
        return copied

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


class Facets(dict[str, list[Features]]):
    """The index's facets by resident, each kept as the marshalled rows restored until
    it is first read. A resident's entry is there from the start (``in``, ``len`` and
    iteration answer as for the plain dict); reading it replaces the rows by facets, a
    change of value only, so it is safe while the index is being iterated."""

    def __init__(self, restored: dict[str, bytes]) -> None:
        super().__init__(cast(dict[str, list[Features]], restored))

    def __getitem__(self, resident_id: str) -> list[Features]:
        found: list[Features] | bytes = super().__getitem__(resident_id)
        if isinstance(found, bytes):
            found = [_features(saved) for saved in marshal.loads(found)]
            self[resident_id] = found
        return found

    @staticmethod
    def raw(facets: dict[str, list[Features]]) -> dict[str, list[Features] | bytes]:
        """Every entry as it is held, rows not yet read left as they are."""
        held = cast(dict[str, list[Features] | bytes], facets)
        return dict(dict.items(held))


class Keys(dict[str, set[Key]]):
    """Each resident's blocking keys, worked out from its facets when first asked for
    (when it changes): they are the keys its blocks were built from, so a snapshot
    need not carry them."""

    def __init__(self, facets: dict[str, list[Features]]) -> None:
        super().__init__()
        self._facets = facets

    def __missing__(self, resident_id: str) -> set[Key]:
        keys = facet_keys(self._facets[resident_id])
        self[resident_id] = keys
        return keys


class Blocks(defaultdict[Key, set[str]]):
    """The index's blocks, each kept as the tuple restored until it is first used.

    The index reads a block with ``get`` or ``[]`` and drops it with ``del``; each of
    those makes it a set first.
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
    def frozen(blocks: dict[Key, set[str]]) -> dict[Key, tuple[str, ...]]:
        """Every block as a tuple of its own (restored ones are tuples already)."""
        restored = blocks._restored if isinstance(blocks, Blocks) else {}
        return {**restored, **{key: tuple(block) for key, block in blocks.items()}}


def row(features: Features) -> tuple[object, ...]:
    """A facet as builtins: its addresses (``Place``) as tuples of their fields."""
    values = [getattr(features, name) for name in _FEATURE_FIELDS]
    values[_PLACES_AT] = tuple(
        tuple(getattr(place, name) for name in _PLACE_FIELDS) for place in features.places
    )
    return tuple(values)


def _features(saved: Sequence[Any]) -> Features:
    values = list(saved)
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
