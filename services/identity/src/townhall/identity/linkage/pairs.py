"""The scored pairs of a batch: every record against the others it is blocked with.

`scored_pairs` is what deduplication and the duplicate pass score with; it is made fast
without changing its answer, which `scored_pairs_one_by_one` states plainly (each
record matched through `Matcher.match_features`, the product path's own call). A test
holds the two to the same pairs, and the bench times both in one run.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence

from townhall.identity.linkage.errors import InvalidRecordError
from townhall.identity.linkage.features import Features
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
    floor = weight_of(threshold) - _MARGIN
    reaching = Reaching(model, floor)
    matcher = Matcher(model, max_candidates=50)
    index, held_down = matcher.index, matcher.held_down
    for record in records:
        own = _id(record)
        if own in index:
            raise InvalidRecordError("resident_id", f"{own} is in the batch twice")
        index.put(own, [features[own]])
    place = {own: n for n, own in enumerate(features)}
    size = len(place)
    # weights worked out from the earlier record's side, until the later one meets them
    waiting: dict[int, float] = {}
    pairs: dict[tuple[str, str], float] = {}
    for n, (own, a) in enumerate(features.items()):
        reached: list[tuple[float, str]] = []
        for other in index.candidates(a, index.keys(own)):  # keys worked out by `put`
            m = place[other]
            if m == n:
                continue
            weight = waiting.pop(m * size + n, None) if m < n else None
            if weight is None:
                b = features[other]
                weight = reaching(a, b)
                if weight != -math.inf:
                    weight = held_down(a, [b], weight)
                if m > n:
                    waiting[n * size + m] = weight
            if weight >= floor:
                reached.append((weight, other))
        if len(reached) > matcher.max_candidates:
            reached = heapq.nlargest(matcher.max_candidates, reached)
        else:
            reached.sort(reverse=True)
        for weight, other in reached:
            p = probability(weight)
            key = _key(own, other)
            if p >= threshold and key not in apart:
                pairs[key] = p
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
    remaining ones could add is a bound. A pair that completes is summed in the model's
    own order, so its weight is the very number `Model.weight` gives. The order only
    changes how soon a hopeless pair is dropped, never a weight.
    """

    def __init__(self, model: Model, floor: float) -> None:
        scorers = [(c.comparison.level_of, c.weights) for c in model.comparisons]
        gain = [max(0.0, *weights) for _, weights in scorers]
        cost = [COST.get(c.comparison.name, 5.0) for c in model.comparisons]
        order = sorted(range(len(scorers)), key=lambda n: -gain[n] / cost[n])
        rest = [sum(gain[m] for m in order[k + 1 :]) for k in range(len(order))]
        self._steps = [(n, *scorers[n], rest[k]) for k, n in enumerate(order)]
        self._prior = model.prior_weight
        self._floor = floor

    def __call__(self, a: Features, b: Features) -> float:
        parts = [0.0] * len(self._steps)
        so_far = self._prior
        for n, level_of, weights, rest in self._steps:
            parts[n] = weights[level_of(a, b)]
            so_far += parts[n]
            if so_far + rest < self._floor:
                return -math.inf
        total = self._prior
        for part in parts:
            total += part
        return total


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _id(record: Record) -> str:
    if record.resident_id is None:
        raise InvalidRecordError("resident_id", "batch records need an id")
    return record.resident_id
