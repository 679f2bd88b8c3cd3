"""Batch deduplication and linkage through the same index and scorer as single matches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, count

from townhall.identity.linkage.comparisons import (
    conflicts,
    given_agrees,
    household_conflicts,
    names_differ,
)
from townhall.identity.linkage.errors import InvalidRecordError
from townhall.identity.linkage.features import Features, features_of
from townhall.identity.linkage.generations import (
    by_age,
    generation_unsettled,
    named_by_the_other,
)
from townhall.identity.linkage.matcher import Matcher
from townhall.identity.linkage.model import Model, probability
from townhall.identity.linkage.pairs import scored_pairs
from townhall.identity.linkage.record import Record
from townhall.identity.linkage.training import train, train_on

Clash = Callable[[Features, Features], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class ScoredPair:
    left_id: str
    right_id: str
    probability: float  # the pair's own match probability


def deduplicate(
    records: Sequence[Record],
    model: Model | None = None,
    threshold: float = 0.5,
    *,
    cluster: bool = True,
    cannot_link: Iterable[tuple[str, str]] = (),
    households: bool = False,
) -> list[ScoredPair]:
    """Pairs of records (by resident id) that are the same person, each pair once.

    With `cluster`, pairs at or above the threshold are clustered into people and every
    pair within a cluster is returned: a person's five records whose worst pair shares
    little still come out as ten pairs. Each pair keeps its own probability, which may
    then be below the threshold. Clustering does not chain (see `consistent_clusters`).
    `cannot_link` names pairs known to be two people (the two holders of one joint
    council-tax account): they never end in one cluster.

    `households` says the records are of people living in households (a council's
    records): then another given name, a title of the other sex or dates of birth a
    generation apart also keep two records apart (`household_conflicts`), a record
    that names no generation joins a Jr's or a Sr's records only if a date of birth or
    NI number says it is that one, and a Sr's or Jr's records with no date of birth
    join the elder or younger of two people of their name (`generations`), a record
    that fits two such people about equally joins neither (`without_ambiguous`), and
    a household seen at two addresses joins its members' records across the move
    (`household_moves`). Without it, only an NI number or a suffix keeps them apart.
    """
    features = {_id(record): features_of(record) for record in records}
    model = model or train_on(list(features.values()))
    apart = {_key(a, b) for a, b in cannot_link}
    pairs = scored_pairs(records, features, model, threshold, apart)
    if cluster:
        pairs = _within_clusters(pairs, features, model, apart, households)
    return [ScoredPair(a, b, p) for (a, b), p in sorted(pairs.items())]


def link(
    left: Sequence[Record],
    right: Sequence[Record],
    model: Model | None = None,
    threshold: float = 0.5,
) -> list[ScoredPair]:
    """Pairs (left id, right id) above the threshold; the model trains on both sides."""
    matcher = Matcher(model or train([*left, *right]), max_candidates=50)
    for record in left:
        matcher.add(record)
    pairs: list[ScoredPair] = []
    for record in right:
        right_id = _id(record)
        for candidate in matcher.match(record):
            if candidate.probability >= threshold:
                pairs.append(ScoredPair(candidate.resident_id, right_id, candidate.probability))
    return pairs


def consistent_clusters(
    pairs: dict[tuple[str, str], float],
    features: dict[str, Features],
    apart: set[tuple[str, str]] | None = None,
    clash: Clash = household_conflicts,
    *,
    generations: bool = False,
) -> list[list[str]]:
    """People from scored pairs, without chaining.

    Greedy, best pair first: two clusters merge only if every member of one is
    consistent with every member of the other: no `clash` between them (by default
    `household_conflicts`: another NI number, suffix, given name or initial, a title
    of the other sex, dates of birth a generation apart) and not known to be two
    people (`apart`). Connected components would join a husband and
    wife through "Mr Smith" ~ "Mrs Smith" ~ "A Smith"; here the second join is refused
    because the cluster already holds someone the newcomer cannot be.

    With `generations` (among households), the clusters are also weighed as wholes: a
    cluster naming a generation (a Sr's record) and one naming none merge only if a date
    of birth or NI number across them says which of a father and son it is
    (`generations.generation_unsettled`), so "Robert Smith" does not join the Sr because
    it resembles his record without a suffix.
    """
    apart = apart or set()
    cluster_of: dict[str, int] = {}
    members: dict[int, list[str]] = {}
    ids = count()
    for (a, b), _ in sorted(pairs.items(), key=lambda item: (-item[1], item[0])):
        for rid in (a, b):
            if rid not in cluster_of:
                cluster_of[rid] = next(ids)
                members[cluster_of[rid]] = [rid]
        ca, cb = cluster_of[a], cluster_of[b]
        if ca == cb or not _consistent(
            members[ca], members[cb], features, apart, clash, generations=generations
        ):
            continue
        if len(members[ca]) < len(members[cb]):
            ca, cb = cb, ca
        for rid in members.pop(cb):
            cluster_of[rid] = ca
            members[ca].append(rid)
    return list(members.values())


def _consistent(
    left: list[str],
    right: list[str],
    features: dict[str, Features],
    apart: set[tuple[str, str]],
    clash: Clash = household_conflicts,
    *,
    generations: bool = False,
) -> bool:
    if generations and generation_unsettled(
        [features[x] for x in left], [features[y] for y in right]
    ):
        return False
    for x in left:
        fx = features[x]
        for y in right:
            if _key(x, y) in apart:
                return False
            fy = features[y]
            if clash(fx, fy):
                return False
    return True


def _within_clusters(
    pairs: dict[tuple[str, str], float],
    features: dict[str, Features],
    model: Model,
    apart: set[tuple[str, str]],
    households: bool,
) -> dict[tuple[str, str], float]:
    within: dict[tuple[str, str], float] = {}
    for group in people(pairs, features, model, apart, households):
        for a, b in combinations(sorted(group), 2):
            own = pairs.get((a, b))
            within[(a, b)] = (
                own if own is not None else probability(model.weight(features[a], features[b]))
            )
    return within


def people(
    pairs: dict[tuple[str, str], float],
    features: dict[str, Features],
    model: Model,
    apart: set[tuple[str, str]],
    households: bool,
) -> list[list[str]]:
    """The records' people from their scored pairs: `consistent_clusters`, and among
    households (generations weighed as wholes) `household_moves`, `without_ambiguous`
    then `generations.by_age` (see `deduplicate`)."""
    clash = household_conflicts if households else conflicts
    if households:
        features = named_by_the_other(features, apart)
    clusters = consistent_clusters(pairs, features, apart, clash, generations=households)
    if households:
        clusters = household_moves(clusters, features, apart)
        clusters = without_ambiguous(clusters, pairs, features, model, apart)
        clusters = by_age(
            clusters, pairs, features, lambda left, right: _consistent(left, right, features, apart)
        )
    return clusters


#: How much better (log2 odds) a record must fit its own cluster than any other it could
#: join: "Mr Smith" fits a father and a son of one name equally, and joins neither.
AMBIGUITY_MARGIN = 2.0


def without_ambiguous(
    clusters: list[list[str]],
    pairs: dict[tuple[str, str], float],
    features: dict[str, Features],
    model: Model,
    apart: set[tuple[str, str]],
) -> list[list[str]]:
    """Clusters without the records that fit another cluster about as well.

    A record joins the cluster its best pair led it to; if it is consistent with every
    member of another cluster it is also linked to, and fits that one within
    AMBIGUITY_MARGIN of its own, the record cannot say which person it is and is left
    on its own (for an officer) rather than linked with certainty.
    """
    cluster_of = {rid: n for n, group in enumerate(clusters) for rid in group}
    linked: defaultdict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        linked[a].add(b)
        linked[b].add(a)
    weight = model.weight
    loose: set[str] = set()
    for n, group in enumerate(clusters):
        if len(group) < 2:
            continue
        for rid in group:
            own = max(weight(features[rid], features[m]) for m in group if m != rid)
            others = {cluster_of[o] for o in linked[rid] if o in cluster_of} - {n}
            for other in others:
                rivals = clusters[other]
                if not _consistent([rid], rivals, features, apart):
                    continue
                best = max(weight(features[rid], features[m]) for m in rivals)
                if best >= own - AMBIGUITY_MARGIN:
                    loose.add(rid)
                    break
    kept = [[rid for rid in group if rid not in loose] for group in clusters]
    return [group for group in kept if group] + [[rid] for rid in sorted(loose)]


def household_moves(
    clusters: list[list[str]], features: dict[str, Features], apart: set[tuple[str, str]]
) -> list[list[str]]:
    """Clusters joined across a household's move.

    A household moves together. Where one person is already known at two addresses
    (their records share a phone, an email, an NI number or a date of birth), a person
    seen at the first address only and one seen at the second only, with a family name
    in common and consistent in everything else (`consistent_clusters`' test), are one
    person, provided each one's counterparts could all be one person: "Mr Smith" at the
    old address is not joined to either of two Mr Smiths (a father and son, told apart
    by their dates of birth) at the new one.
    An address is a UPRN or a full postcode with the house number and flat.
    """
    place_of = _places(features)
    homes = [{place_of[rid] for rid in group if rid in place_of} for group in clusters]
    moves: set[tuple[int, int]] = set()
    for places in homes:
        moves.update((a, b) for a in places for b in places if a < b)
    moves |= _moved_together(clusters, homes, features)
    at: defaultdict[int, set[int]] = defaultdict(set)
    for n, places in enumerate(homes):
        for place in places:
            at[place].add(n)
    joins: list[tuple[int, int]] = []
    for old, new in sorted(moves):
        left = [n for n in at[old] if new not in homes[n]]
        right = [n for n in at[new] if old not in homes[n]]
        fits = {
            (x, y)
            for x in left
            for y in right
            if _share_family(clusters[x], clusters[y], features)
            and _consistent(clusters[x], clusters[y], features, apart, generations=True)
        }
        for x, y in fits:
            ys = [b for a, b in fits if a == x]
            xs = [a for a, b in fits if b == y]
            if _one_person(ys, clusters, features, apart) and _one_person(
                xs, clusters, features, apart
            ):
                joins.append((x, y))
    return _union(len(clusters), joins, clusters, features, apart)


def _one_person(
    found: list[int],
    clusters: list[list[str]],
    features: dict[str, Features],
    apart: set[tuple[str, str]],
) -> bool:
    """The clusters could all be one person (a single one, or several consistent)."""
    return all(
        _consistent(clusters[x], clusters[y], features, apart) for x, y in combinations(found, 2)
    )


def _moved_together(
    clusters: list[list[str]], homes: list[set[int]], features: dict[str, Features]
) -> set[tuple[int, int]]:
    """Pairs of addresses between which two different people of one family name are
    each seen by name (given name or initial agreeing): a household that moved."""
    by_family: defaultdict[str, set[int]] = defaultdict(set)
    for n, group in enumerate(clusters):
        if homes[n]:
            for rid in group:
                by_family[features[rid].family].add(n)
    seen: defaultdict[tuple[int, int], set[int]] = defaultdict(set)
    for members in by_family.values():
        if len(members) > 60:  # a very common name says nothing about a move
            continue
        for x, y in combinations(sorted(members), 2):
            if homes[x] & homes[y] or not _named_alike(clusters[x], clusters[y], features):
                continue
            for a in homes[x]:
                for b in homes[y]:
                    move = (a, b) if a < b else (b, a)
                    seen[move].add(x if a < b else y)
    moves: set[tuple[int, int]] = set()
    for move, movers in seen.items():
        if any(
            names_differ(features[p], features[q])
            for x, y in combinations(movers, 2)
            for p in clusters[x]
            for q in clusters[y]
        ):
            moves.add(move)
    return moves


def _named_alike(left: list[str], right: list[str], features: dict[str, Features]) -> bool:
    return any(
        given_agrees(features[a], features[b]) and not names_differ(features[a], features[b])
        for a in left
        for b in right
    ) and _consistent(left, right, features, set())


def _union(
    size: int,
    joins: list[tuple[int, int]],
    clusters: list[list[str]],
    features: dict[str, Features],
    apart: set[tuple[str, str]],
) -> list[list[str]]:
    owner = list(range(size))
    members = {n: list(group) for n, group in enumerate(clusters)}

    def find(n: int) -> int:
        while owner[n] != n:
            n = owner[n]
        return n

    for x, y in joins:
        rx, ry = find(x), find(y)
        if rx != ry and _consistent(members[rx], members[ry], features, apart, generations=True):
            owner[ry] = rx
            members[rx] += members.pop(ry)
    return list(members.values())


def _share_family(left: list[str], right: list[str], features: dict[str, Features]) -> bool:
    names = {name for rid in left for name in features[rid].family_names}
    return any(name in names for rid in right for name in features[rid].family_names)


def _places(features: dict[str, Features]) -> dict[str, int]:
    """Each record's address, as a number: records sharing a UPRN, or a full postcode
    with house number and flat, are at one address (and a record holding both joins
    the two)."""
    ids: dict[tuple[str, ...], int] = {}
    owner: list[int] = []

    def find(n: int) -> int:
        while owner[n] != n:
            n = owner[n]
        return n

    keyed: dict[str, list[int]] = {}
    for rid, f in features.items():
        keys: list[tuple[str, ...]] = []
        if f.uprn:
            keys.append(("uprn", f.uprn))
        if f.postcode and f.house_number:
            keys.append(("postcode", f.postcode, f.house_number, f.flat or ""))
        for key in keys:
            if key not in ids:
                ids[key] = len(owner)
                owner.append(len(owner))
        keyed[rid] = [ids[key] for key in keys]
        for a, b in zip(keyed[rid], keyed[rid][1:], strict=False):
            owner[find(b)] = find(a)
    return {rid: find(nums[0]) for rid, nums in keyed.items() if nums}


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _id(record: Record) -> str:
    if record.resident_id is None:
        raise InvalidRecordError("resident_id", "batch records need an id")
    return record.resident_id
