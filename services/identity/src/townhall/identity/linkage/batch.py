"""Batch deduplication and linkage through the same index and scorer as single matches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import pandas as pd
from splink import DuckDBAPI
from splink.clustering import cluster_pairwise_predictions_at_threshold

from townhall.identity.linkage.errors import InvalidRecordError
from townhall.identity.linkage.features import Features, features_of
from townhall.identity.linkage.matcher import Matcher
from townhall.identity.linkage.model import Model, probability
from townhall.identity.linkage.record import Record
from townhall.identity.linkage.training import train


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
) -> list[ScoredPair]:
    """Pairs of records (by resident id) that are the same person, each pair once.

    With `cluster`, pairs at or above the threshold are clustered into people (Splink's
    connected components) and every pair within a cluster is returned: a person's five
    records whose worst pair shares little still come out as ten pairs. Each pair keeps
    its own probability, which may then be below the threshold.
    """
    matcher = Matcher(model or train(records), max_candidates=50)
    features = {_id(record): features_of(record) for record in records}
    for record in records:
        matcher.add(record)
    pairs: dict[tuple[str, str], float] = {}
    for own, own_features in features.items():
        for candidate in matcher.match_features(own_features, exclude=own):
            if candidate.probability >= threshold:
                key = (min(own, candidate.resident_id), max(own, candidate.resident_id))
                pairs[key] = candidate.probability
    if cluster:
        pairs = _within_clusters(pairs, features, matcher.model, threshold)
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


def _within_clusters(
    pairs: dict[tuple[str, str], float],
    features: dict[str, Features],
    model: Model,
    threshold: float,
) -> dict[tuple[str, str], float]:
    if not pairs:
        return pairs
    left, right = [a for a, _ in pairs], [b for _, b in pairs]
    edges = pd.DataFrame(
        {"unique_id_l": left, "unique_id_r": right, "match_probability": list(pairs.values())}
    )
    nodes = pd.DataFrame({"unique_id": sorted({*left, *right})})
    clusters = cluster_pairwise_predictions_at_threshold(
        nodes, edges, DuckDBAPI(), "unique_id", threshold_match_probability=threshold
    ).as_record_list()
    members: defaultdict[str, list[str]] = defaultdict(list)
    for row in clusters:
        members[row["cluster_id"]].append(row["unique_id"])
    within: dict[tuple[str, str], float] = {}
    for group in members.values():
        for a, b in combinations(sorted(group), 2):
            own = pairs.get((a, b))
            within[(a, b)] = (
                own if own is not None else probability(model.weight(features[a], features[b]))
            )
    return within


def _id(record: Record) -> str:
    if record.resident_id is None:
        raise InvalidRecordError("resident_id", "batch records need an id")
    return record.resident_id
