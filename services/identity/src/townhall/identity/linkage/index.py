"""The in-memory blocking index: residents by blocking key, kept current in place.

A resident may hold several facets (its own record plus the records of residents merged
into it), so a record that still looks like the merged one keeps finding the survivor.
Candidate lookup touches only the blocks the incoming record's keys name; a block that
grows past `max_block` (a key too common to discriminate) is skipped at query time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from townhall.identity.linkage.errors import UnknownResidentError
from townhall.identity.linkage.features import Features

Key = tuple[str, ...]


def blocking_keys(f: Features) -> set[Key]:
    """Keys that a true match is very likely to share with at least one of."""
    keys: set[Key] = set()
    for family in f.family_names:
        keys.add(("names", *sorted((f.given_canon, family))))  # sorted: swaps still meet
        if f.town:
            keys.add(("family+town", family, f.town))
        if f.dob:
            keys.add(("family+dob", family, f.dob))
        if f.postcode:
            keys.add(("family+postcode", family, f.postcode))
    if f.dob:
        keys.add(("given+dob", f.given_canon, f.dob))
        if f.postcode:
            keys.add(("dob+postcode", f.dob, f.postcode))
        if f.house_number:
            keys.add(("dob+number", f.dob, f.house_number))
        if f.town:
            keys.add(("dob+town", f.dob, f.town))
    if f.postcode:
        keys.add(("given+postcode", f.given_canon, f.postcode))
        if f.house_number:
            keys.add(("postcode+number", f.postcode, f.house_number))
    if f.address_line and f.house_number:
        keys.add(("street+number", f.address_line, f.house_number))
    if f.town:
        keys.add(("given+town", f.given_canon, f.town))
    for name in ("uprn", "email", "phone"):
        value = getattr(f, name)
        if value:
            keys.add((name, value))
    return keys


class BlockingIndex:
    def __init__(self, max_block: int = 400) -> None:
        self.max_block = max_block
        self._facets: dict[str, list[Features]] = {}
        self._keys: dict[str, set[Key]] = {}
        self._blocks: defaultdict[Key, set[str]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self._facets)

    def __contains__(self, resident_id: object) -> bool:
        return resident_id in self._facets

    def __iter__(self) -> Iterator[str]:
        return iter(self._facets)

    def facets(self, resident_id: str) -> list[Features]:
        try:
            return self._facets[resident_id]
        except KeyError:
            raise UnknownResidentError(resident_id) from None

    def put(self, resident_id: str, facets: list[Features]) -> None:
        """Replace every facet of a resident (adding it if new)."""
        self._unblock(resident_id)
        self._facets[resident_id] = facets
        keys = set().union(*(blocking_keys(f) for f in facets))
        self._keys[resident_id] = keys
        for key in keys:
            self._blocks[key].add(resident_id)

    def delete(self, resident_id: str) -> list[Features]:
        facets = self.facets(resident_id)
        self._unblock(resident_id)
        del self._facets[resident_id]
        return facets

    def candidates(self, features: Features) -> set[str]:
        found: set[str] = set()
        for key in blocking_keys(features):
            block = self._blocks.get(key)
            if block and len(block) <= self.max_block:
                found |= block
        return found

    def _unblock(self, resident_id: str) -> None:
        for key in self._keys.pop(resident_id, ()):
            block = self._blocks[key]
            block.discard(resident_id)
            if not block:
                del self._blocks[key]
