"""The in-memory blocking index: residents by blocking key, kept current in place.

A resident may hold several facets (its own record plus the records of residents merged
into it), so a record that still looks like the merged one keeps finding the survivor.
Candidate lookup touches only the blocks the incoming record's keys name; a block that
grows past `max_block` (a key too common to discriminate, such as the sound of John
Smith) is skipped at query time, so adding keys adds few candidates.

The keys are chosen so that a true match shares at least one of them despite the errors
records carry: a typo in any one field, given and family name swapped, a nickname, a
marriage, a move, a missing date of birth. Names are keyed by their sound (metaphone of
the canonical given name and of each family name), which absorbs most typos.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from jellyfish import metaphone

from townhall.identity.linkage.errors import UnknownResidentError
from townhall.identity.linkage.features import Features, Place

Key = tuple[str, ...]
MAX_BLOCK = 40
FALLBACK_BLOCKS = 10


def blocking_keys(f: Features) -> set[Key]:
    """Keys that a true match is very likely to share with at least one of.

    Every address, email and phone a record holds gives keys, so a mover is found at
    a former address; a record with only an initial is keyed by the initial.
    """
    keys: set[Key] = {(name, value) for name, value in _identifiers(f) if value}
    given = f.given_canon or f.initial or ""
    given_sound = (metaphone(given) or given) if len(given) > 1 else given
    family_sounds = [metaphone(family) or family for family in f.family_names]
    sounds = {given_sound, *family_sounds} - {""}
    for family, sound in zip(f.family_names, family_sounds, strict=True):
        keys.add(("sounds", *sorted((given_sound, sound))))  # sorted: swaps still meet
        if f.dob:
            keys.add(("initials+month", *sorted((given[:1], family[:1])), f.dob[:6]))
    for place in f.places or (f,):
        if place.district:
            keys.update(("sound+district", sound, place.district) for sound in sounds)
        if place.town:
            if place.house_number:
                keys.add(("number+town", place.house_number, place.town))
            keys.update(("word+town", word, place.town) for word in _street_words(place))
        if place.postcode and place.house_number:
            keys.add(("postcode+number", place.postcode, place.house_number))
    if f.dob:
        keys.update(("dob+name", f.dob, name) for name in (given, *f.family_names) if name)
    return keys


def facet_keys(facets: list[Features]) -> set[Key]:
    """The keys a resident is blocked under: those of every one of its facets."""
    return set().union(*(blocking_keys(f) for f in facets))


def _identifiers(f: Features) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = [("dob", f.dob), ("ni", f.ni)]
    found += [("email", email) for email in f.emails or (f.email,)]
    found += [("phone", phone) for phone in f.phones or (f.phone,)]
    for place in f.places or (f,):
        found += [("postcode", place.postcode), ("uprn", place.uprn)]
    return found


def _street_words(place: Place | Features) -> set[str]:
    return {w for w in (place.address_line or "").split() if len(w) >= 4 and w.isalpha()}


class BlockingIndex:
    def __init__(self, max_block: int = MAX_BLOCK) -> None:
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
        keys = facet_keys(facets)
        self._keys[resident_id] = keys
        for key in keys:
            self._blocks[key].add(resident_id)

    def delete(self, resident_id: str) -> list[Features]:
        facets = self.facets(resident_id)
        self._unblock(resident_id)
        del self._facets[resident_id]
        return facets

    def block(self, key: Key) -> set[str]:
        """The residents holding one key (a copy), however crowded its block."""
        return set(self._blocks.get(key, ()))

    def keys(self, resident_id: str) -> set[Key]:
        """The blocking keys of a resident's facets, as `put` worked them out."""
        if resident_id not in self._facets:
            raise UnknownResidentError(resident_id)
        return self._keys[resident_id]

    def candidates(self, features: Features, keys: set[Key] | None = None) -> set[str]:
        """Residents sharing a key; a crowded block only when nothing else is found.

        A record that carries only a common name (no date of birth, no address) would
        otherwise find no one: it then gets its smallest crowded block, up to ten times
        `max_block` (of two as small, the one of the lower key). ``keys``, when given,
        are the record's `blocking_keys`, already worked out (an indexed resident's own,
        `keys`), so they are not worked out again.
        """
        found: set[str] = set()
        crowded: list[tuple[int, Key, set[str]]] = []
        for key in blocking_keys(features) if keys is None else keys:
            block = self._blocks.get(key)
            if block and len(block) <= self.max_block:
                found |= block
            elif block and len(block) <= FALLBACK_BLOCKS * self.max_block:
                crowded.append((len(block), key, block))
        if not found and crowded:
            return set(min(crowded, key=lambda c: (c[0], c[1]))[2])
        return found

    def crowded_only(self, keys: set[Key]) -> bool:
        """Whether every one of these keys' blocks is crowded: `candidates` then gives
        the smallest crowded block, whose members need not have the record among theirs."""
        return all(len(self._blocks.get(key, ())) > self.max_block for key in keys)

    def _unblock(self, resident_id: str) -> None:
        if resident_id not in self._facets:
            return
        keys = self._keys[resident_id]
        del self._keys[resident_id]
        for key in keys:
            block = self._blocks[key]
            block.discard(resident_id)
            if not block:
                del self._blocks[key]
