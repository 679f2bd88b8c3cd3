"""The scored pairs of a batch: every record against the others it is blocked with.

`scored_pairs` is what deduplication and the duplicate pass score with; it is made fast
without changing its answer, which `scored_pairs_one_by_one` states plainly (each
record matched through `Matcher.match_features`, the product path's own call). A test
holds the two to the same pairs, and the bench times both in one run.
"""

from __future__ import annotations

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
    it (its best 50 candidates by pairwise weight); a pair met from both sides keeps the
    probability from the side matched last. Each pair is weighed once (`OncePerPair`).
    """
    matcher = Matcher(model, max_candidates=50, weigh=OncePerPair(model.weight))
    for record in records:
        own = _id(record)
        if own in matcher.index:
            raise InvalidRecordError("resident_id", f"{own} is in the batch twice")
        matcher.index.put(own, [features[own]])
    pairs: dict[tuple[str, str], float] = {}
    for own, own_features in features.items():
        for other, weight in matcher.pair_weights(own_features, exclude=own):
            key = _key(own, other)
            p = probability(weight)
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


class OncePerPair:
    """A weight function that weighs each pair of records once.

    The model's comparisons treat the two records alike (each level asks the same of
    both sides: equality, Jaro-Winkler, one edit, a shared value), so weighing b
    against a gives the number weighing a against b gave; a batch that matches every
    record against the others meets most pairs from both sides and scores them once.
    An answer is kept only until its pair is met from the other side.
    """

    def __init__(self, weight: Callable[[Features, Features], float]) -> None:
        self._weight = weight
        self._waiting: dict[tuple[int, int], float] = {}

    def __call__(self, a: Features, b: Features) -> float:
        found = self._waiting.pop((id(b), id(a)), None)
        if found is not None:
            return found
        weight = self._weight(a, b)
        self._waiting[(id(a), id(b))] = weight
        return weight


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _id(record: Record) -> str:
    if record.resident_id is None:
        raise InvalidRecordError("resident_id", "batch records need an id")
    return record.resident_id
