"""The scored pairs of a batch: every record against the others it is blocked with.

`scored_pairs` is what deduplication and the duplicate pass score with; it is made fast
without changing its answer, which `scored_pairs_one_by_one` states plainly (each
record matched through `Matcher.match_features`, the product path's own call). A test
holds the two to the same pairs, and the bench times both in one run.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence, Set

from townhall.identity.linkage.comparisons import LevelOf
from townhall.identity.linkage.errors import InvalidRecordError
from townhall.identity.linkage.features import Features, Place
from townhall.identity.linkage.matcher import Matcher
from townhall.identity.linkage.model import Model, probability
from townhall.identity.linkage.record import Record

PairScorer = Callable[
    [Sequence[Record], dict[str, Features], Model, float, set[tuple[str, str]]],
    dict[tuple[str, str], float],
]


def scored_pairs(
    records: Sequence[Record],
    features: dict[str, Features],
    model: Model,
    threshold: float,
    apart: set[tuple[str, str]],
) -> dict[tuple[str, str], float]:
    """Each pair of records (by id) the index blocks together whose own probability is
    at or above the threshold, unless known to be two people (`apart`).

    Every record is matched against the others as `Matcher.match_features` would match
    it (its best 50 candidates by pairwise weight, ties to the higher id); a pair met
    from both sides has one probability, kept where it was first met. Each pair is
    weighed once, here rather than in the matcher: the model's comparisons and the
    matcher's caps treat the two records alike (each asks the same of both sides:
    equality, Jaro-Winkler, one edit, a shared value, a conflict), so the weight met
    from one side is the weight from the other. And only as far as it takes to see that
    it cannot reach the threshold (`Reaching`): the matcher's caps and conflicts only
    ever lower a weight, and a candidate below the threshold changes nothing here,
    whether or not it is among the best 50 (every candidate at or above the threshold
    outranks it). A record's candidates at or above it are all it needs ranked.
    """
    seen: set[str] = set()
    for record in records:
        own = _id(record)
        if own in seen:
            raise InvalidRecordError("resident_id", f"{own} is in the batch twice")
        seen.add(own)
    if seen != features.keys():
        raise InvalidRecordError("resident_id", "the features are not the records'")
    weighed = weighed_pairs(features, model, threshold, apart)
    return {key: probability(weight) for key, weight in weighed.items()}


def weighed_pairs(
    features: dict[str, Features],
    model: Model,
    threshold: float,
    apart: Set[tuple[str, str]] = frozenset(),
) -> dict[tuple[str, str], float]:
    """`scored_pairs`' pairs with their match weights (log2 odds, not probabilities), on
    features by id alone (all training has of a population)."""
    floor = weight_of(threshold) - _MARGIN
    reaching = Reaching(model, floor)
    matcher = Matcher(model, max_candidates=50)
    index, held_down = matcher.index, matcher.held_down
    known = [reaching.known(f) for f in features.values()]
    for own, own_features in features.items():
        index.put(own, [own_features])
    place = {own: n for n, own in enumerate(features)}
    # Two records meet each other as candidates (they share an uncrowded block) unless
    # one of them only has crowded blocks and met the other through its smallest one
    # (`BlockingIndex.candidates`): `lopsided`. A pair that meets both ways is weighed
    # from its earlier record's side, which also hands the weight (if it can reach the
    # threshold) to the later record's candidates; the later record passes it by.
    lopsided = [index.crowded_only(index.keys(own)) for own in features]
    # each record's candidates at or above the floor, handed on by earlier records
    handed: list[list[tuple[float, str]]] = [[] for _ in features]
    pairs: dict[tuple[str, str], float] = {}
    for n, (own, a) in enumerate(features.items()):
        reached = handed[n]
        handed[n] = []
        for other in index.candidates(a, index.keys(own)):  # keys worked out by `put`
            m = place[other]
            both_ways = not (lopsided[n] or lopsided[m])
            if m == n or (m < n and both_ways):
                continue
            b = features[other]
            weight = reaching(a, b, known[n] & known[m])
            if weight != _OUT_OF_REACH:
                weight = held_down(a, [b], weight)
            if weight >= floor:
                reached.append((weight, other))
                if m > n and both_ways:
                    handed[m].append((weight, own))
        if len(reached) > matcher.max_candidates:
            reached = heapq.nlargest(matcher.max_candidates, reached)
        else:
            reached.sort(reverse=True)
        for weight, other in reached:
            key = _key(own, other)
            if probability(weight) >= threshold and key not in apart:
                pairs[key] = weight
    return pairs


def scored_pairs_one_by_one(
    records: Sequence[Record],
    features: dict[str, Features],
    model: Model,
    threshold: float,
    apart: set[tuple[str, str]],
) -> dict[tuple[str, str], float]:
    """`scored_pairs` as plainly as it can be said: each record matched against the
    others through `Matcher.match_features`, the product path's own call, each pair
    weighed from both sides. Slow; the statement tests and the bench hold
    `scored_pairs` to."""
    matcher = Matcher(model, max_candidates=50)
    for record in records:
        matcher.add(record)
    pairs: dict[tuple[str, str], float] = {}
    for own, own_features in features.items():
        for candidate in matcher.match_features(own_features, exclude=own):
            key = _key(own, candidate.resident_id)
            if candidate.probability >= threshold and key not in apart:
                pairs[key] = candidate.probability
    return pairs


#: A pair `Reaching` drops: no weight at all.
_OUT_OF_REACH = -math.inf
#: One of `Reaching`'s steps: the comparison's place in the model, its level function,
#: its weights by level, and the most the comparisons after it could add.
Step = tuple[int, LevelOf, tuple[float, ...], float]
#: Below the threshold's weight by more than float rounding could account for.
_MARGIN = 1e-6
#: Each comparison's cost relative to an exact one, as measured on the council bench's
#: residents: string similarity and every pair of addresses cost more. A guide to the
#: order `Reaching` tries them in; a comparison not named here counts 5.
COST = {
    "sex": 1.0, "ni_number": 1.0, "email": 1.0, "phone": 1.0, "family_name": 1.6,
    "town": 3.0, "date_of_birth": 5.0, "given_name": 5.5, "postcode": 7.5, "address": 12.0,
}  # fmt: skip


def weight_of(probability: float) -> float:
    """The match weight (log2 odds) at which a pair reaches ``probability``."""
    return math.log2(probability / (1.0 - probability))


class Reaching:
    """The model's weight for a pair, or minus infinity as soon as the pair cannot reach
    ``floor`` whatever its other comparisons say.

    The comparisons are tried most decisive for their cost first (the highest weight a
    level can add, over `COST`); after each, the weight so far plus the most the
    remaining ones could add is a bound. A comparison one of the two records says
    nothing to (`known`: no date of birth, no email) is at its null level, which weighs
    nothing: it is not tried, and adds nothing to the bound, so a pair of records that
    hold little is dropped as soon as what they do hold says so. A pair that completes
    is summed in the model's own order, so its weight is the very number `Model.weight`
    gives. The order only changes how soon a hopeless pair is dropped, never a weight.
    One per thread: it keeps the steps' weights in one list, not a new one a pair.
    """

    def __init__(self, model: Model, floor: float) -> None:
        scorers = [(c.comparison.level_of, c.weights) for c in model.comparisons]
        gain = [max(0.0, *weights) for _, weights in scorers]
        cost = [COST.get(c.comparison.name, 5.0) for c in model.comparisons]
        self._order = sorted(range(len(scorers)), key=lambda n: -gain[n] / cost[n])
        self._scorers = scorers
        self._gain = gain
        #: comparisons whose null level weighs nothing, left out for a record without
        #: their values (a trained model's null level always weighs 0)
        self._skippable = [weights[0] == 0.0 for _, weights in scorers]
        self._everything = (1 << len(scorers)) - 1
        self._plans: dict[int, tuple[list[Step], list[int]]] = {}
        self._parts = [0.0] * len(scorers)
        self._prior = model.prior_weight
        self._floor = floor

    def known(self, f: Features) -> int:
        """The comparisons (bit n for the model's n-th) the record may say something to:
        all but those at their null level against the record itself. Each comparison's
        null level asks for a value on one side (a date of birth, any address), so a
        record null against itself is null against every record. A record whose current
        address is empty but a former one known reads its primary columns (none) for a
        single address and its places for several: every comparison counts for it."""
        if f.places and _primary(f) != f.places[0]:
            return self._everything
        found = 0
        for n, (level_of, _) in enumerate(self._scorers):
            if not self._skippable[n] or level_of(f, f) != 0:
                found |= 1 << n
        return found

    def __call__(self, a: Features, b: Features, shared: int | None = None) -> float:
        """``shared``: ``known(a) & known(b)``, if the caller keeps each record's."""
        if shared is None:
            shared = self.known(a) & self.known(b)
        plan = self._plans.get(shared)
        if plan is None:
            plan = self._plans[shared] = self._plan(shared)
        steps, summed = plan
        parts = self._parts  # each step's weight; only this plan's are read back
        so_far = self._prior
        floor = self._floor
        for n, level_of, weights, rest in steps:
            part = parts[n] = weights[level_of(a, b)]
            so_far += part
            if so_far + rest < floor:
                return _OUT_OF_REACH
        total = self._prior
        for n in summed:  # the model's order; the comparisons left out add 0.0
            total += parts[n]
        return total

    def _plan(self, shared: int) -> tuple[list[Step], list[int]]:
        """The comparisons to try for a pair, in order, each with the most the ones
        after it could add; and the same comparisons in the model's order."""
        order = [n for n in self._order if shared >> n & 1]
        rest = [sum(self._gain[m] for m in order[k + 1 :]) for k in range(len(order))]
        steps = [(n, *self._scorers[n], rest[k]) for k, n in enumerate(order)]
        return steps, sorted(order)


def _primary(f: Features) -> Place:
    """The record's primary address columns, as a place."""
    return Place(f.postcode, f.sector, f.district, f.house_number, f.flat, f.house_name,
                 f.address_line, f.address_tokens, f.town, f.uprn)  # fmt: skip


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _id(record: Record) -> str:
    if record.resident_id is None:
        raise InvalidRecordError("resident_id", "batch records need an id")
    return record.resident_id
