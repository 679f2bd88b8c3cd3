"""The trained model: per comparison level, the m and u probabilities Splink estimated.

Nothing here is estimated by hand. `Model.from_splink` reads the dictionary that
`linker.misc.save_model_to_json()` returns (the `m_probability` / `u_probability` of each
comparison level and `probability_two_random_records_match`) and turns each level into a
Fellegi-Sunter weight log2(m / u), exactly as Splink's own `predict()` does without term
frequencies. The matcher then scores candidates in-process with those weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from townhall.identity.linkage.comparisons import COMPARISONS, Comparison
from townhall.identity.linkage.errors import ModelNotTrainedError
from townhall.identity.linkage.features import Features

M_SMOOTHING = 0.002


@dataclass(frozen=True, slots=True)
class TrainedComparison:
    comparison: Comparison
    m: tuple[float | None, ...]
    u: tuple[float | None, ...]
    weights: tuple[float, ...]  # log2(m/u) per level; 0.0 for null or untrained levels


@dataclass(frozen=True, slots=True)
class Model:
    probability_two_random_records_match: float
    comparisons: tuple[TrainedComparison, ...]
    splink_settings: dict[str, Any]

    @property
    def prior_weight(self) -> float:
        p = self.probability_two_random_records_match
        return math.log2(p / (1.0 - p))

    def levels(self, a: Features, b: Features) -> tuple[int, ...]:
        return tuple(c.comparison.level_of(a, b) for c in self.comparisons)

    def weight(self, a: Features, b: Features) -> float:
        total = self.prior_weight
        for trained in self.comparisons:
            total += trained.weights[trained.comparison.level_of(a, b)]
        return total

    @classmethod
    def from_splink(cls, settings: dict[str, Any]) -> Model:
        by_name = {c.name: c for c in COMPARISONS}
        trained = tuple(
            _trained(by_name[entry["output_column_name"]], entry["comparison_levels"])
            for entry in settings["comparisons"]
        )
        return cls(float(settings["probability_two_random_records_match"]), trained, settings)


def probability(weight: float) -> float:
    """Match probability from a total match weight (log2 odds)."""
    if weight > 60:
        return 1.0
    odds: float = 2.0**weight
    return odds / (1.0 + odds)


def _trained(comparison: Comparison, levels: list[dict[str, Any]]) -> TrainedComparison:
    if len(levels) != len(comparison.labels):
        raise ModelNotTrainedError(f"{comparison.name}: level count differs from Splink's")
    m = _smoothed([_probability_or_none(level.get("m_probability")) for level in levels])
    u = tuple(_probability_or_none(level.get("u_probability")) for level in levels)
    weights = tuple(
        0.0 if index == 0 or mi is None or ui is None else math.log2(mi / ui)
        for index, (mi, ui) in enumerate(zip(m, u, strict=True))
    )
    return TrainedComparison(comparison, m, u, weights)


def _smoothed(m: list[float | None]) -> tuple[float | None, ...]:
    """Additive smoothing of Splink's m distribution over the non-null levels.

    EM on a population with few duplicates puts m at ~0 for levels it never saw among
    matches (a postcode typo, a move), which makes one field veto a match with weights
    of -100 or worse. A pseudo-count of M_SMOOTHING per level keeps weights finite.
    """
    trained = [value if value is not None else 0.0 for value in m[1:]]
    total = sum(trained) + M_SMOOTHING * len(trained)
    return (m[0], *((value + M_SMOOTHING) / total for value in trained))


def _probability_or_none(value: object) -> float | None:
    if isinstance(value, int | float) and value > 0:
        return float(value)
    return None
