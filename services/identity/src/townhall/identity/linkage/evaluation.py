"""Precision and recall: per hard case for the synthetic council, pairwise for batches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from townhall.identity.linkage.matcher import Matcher, Outcome
from townhall.identity.linkage.synthetic_people import Council


@dataclass(frozen=True, slots=True)
class Quality:
    true_positives: int
    false_positives: int
    false_negatives: int
    reviews: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pair_quality(predicted: Iterable[tuple[str, str]], truth: set[tuple[str, str]]) -> Quality:
    found = {_ordered(a, b) for a, b in predicted}
    wanted = {_ordered(a, b) for a, b in truth}
    hits = len(found & wanted)
    return Quality(hits, len(found) - hits, len(wanted) - hits)


def quality_by_case(matcher: Matcher, council: Council) -> dict[str, Quality]:
    """Auto-link decisions only: a review is neither a true nor a false positive."""
    counts: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for query in council.queries:
        decision = matcher.decide(matcher.match(query.record))
        tally = counts[query.case]
        tally[3] += decision.outcome is Outcome.REVIEW
        linked = decision.outcome is Outcome.LINK
        correct = linked and council.person_of[decision.resident_id or ""] == query.person
        tally[0] += correct
        tally[1] += linked and not correct
        tally[2] += query.person is not None and not correct
    return {case: Quality(*tally) for case, tally in counts.items()}


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)
