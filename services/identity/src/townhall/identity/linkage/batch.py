"""Batch deduplication and linkage through the same index and scorer as single matches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from townhall.identity.linkage.errors import InvalidRecordError
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.matcher import Matcher
from townhall.identity.linkage.model import Model
from townhall.identity.linkage.record import Record
from townhall.identity.linkage.training import train


@dataclass(frozen=True, slots=True)
class ScoredPair:
    left_id: str
    right_id: str
    probability: float


def deduplicate(
    records: Sequence[Record], model: Model | None = None, threshold: float = 0.5
) -> list[ScoredPair]:
    """Pairs of records (by resident id) that are the same person, each pair once."""
    matcher = Matcher(model or train(records), max_candidates=50)
    for record in records:
        matcher.add(_with_id(record))
    pairs: dict[tuple[str, str], float] = {}
    for record in records:
        own = _with_id(record).resident_id or ""
        for candidate in matcher.match_features(features_of(record), exclude=own):
            if candidate.probability >= threshold:
                key = (min(own, candidate.resident_id), max(own, candidate.resident_id))
                pairs[key] = candidate.probability
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
        matcher.add(_with_id(record))
    pairs: list[ScoredPair] = []
    for record in right:
        right_id = _with_id(record).resident_id or ""
        for candidate in matcher.match(record):
            if candidate.probability >= threshold:
                pairs.append(ScoredPair(candidate.resident_id, right_id, candidate.probability))
    return pairs


def _with_id(record: Record) -> Record:
    if record.resident_id is None:
        raise InvalidRecordError("resident_id", "batch records need an id")
    return record
