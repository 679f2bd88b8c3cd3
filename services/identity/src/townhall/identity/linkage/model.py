"""The trained model: per comparison level, the m and u probabilities Splink estimated.

Nothing here is estimated by hand. `Model.from_splink` reads the dictionary that
`linker.misc.save_model_to_json()` returns (the `m_probability` / `u_probability` of each
comparison level and `probability_two_random_records_match`) and turns each level into a
Fellegi-Sunter weight log2(m / u), exactly as Splink's own `predict()` does without term
frequencies. A level the training data never reached (neither among matches nor among
random pairs: initials in a population that has none) weighs nothing. Two gaps in what
EM and random sampling can estimate are closed first (see
`_smoothed` and `u_floor`), and the settings are written back with the values used, so a
Splink linker loaded from `splink_settings` predicts the very weights the matcher uses.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from townhall.identity.linkage.comparisons import COMPARISONS, Comparison, LevelOf
from townhall.identity.linkage.errors import ModelNotTrainedError
from townhall.identity.linkage.features import Features

M_SMOOTHING = 0.002
U_FLOOR = 1e-6  # Splink's own stand-in for a level random sampling never saw


@dataclass(frozen=True, slots=True)
class TrainedComparison:
    comparison: Comparison
    m: tuple[float | None, ...]
    u: tuple[float | None, ...]
    weights: tuple[float, ...]  # log2(m/u) per level; 0.0 for the null level


@dataclass(frozen=True, slots=True)
class Model:
    probability_two_random_records_match: float
    comparisons: tuple[TrainedComparison, ...]
    splink_settings: dict[str, Any]
    prior_weight: float = field(init=False, repr=False, compare=False)
    _scorers: tuple[tuple[LevelOf, tuple[float, ...]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        p = self.probability_two_random_records_match
        object.__setattr__(self, "prior_weight", math.log2(p / (1.0 - p)))
        scorers = tuple((c.comparison.level_of, c.weights) for c in self.comparisons)
        object.__setattr__(self, "_scorers", scorers)

    def levels(self, a: Features, b: Features) -> tuple[int, ...]:
        return tuple(c.comparison.level_of(a, b) for c in self.comparisons)

    def weight(self, a: Features, b: Features) -> float:
        """The pair's match weight: prior plus each comparison's log2(m/u)."""
        total = self.prior_weight
        for level_of, weights in self._scorers:
            total += weights[level_of(a, b)]
        return total

    @classmethod
    def from_splink(cls, settings: dict[str, Any], u_floor: float = U_FLOOR) -> Model:
        """The model from Splink's settings; `u_floor` stands in for an unseen level's u.

        Random sampling of n pairs that never saw a level says only that its u is below
        about 1/n; training passes that bound (Splink itself would use 1e-6).
        """
        by_name = {c.name: c for c in COMPARISONS}
        completed = copy.deepcopy(settings)
        trained = tuple(
            _trained(by_name[entry["output_column_name"]], entry["comparison_levels"], u_floor)
            for entry in completed["comparisons"]
        )
        return cls(float(settings["probability_two_random_records_match"]), trained, completed)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Model:
        """The model back from its own `splink_settings` (as stored): the m and u there
        are the ones it used, so they are read as they are, not smoothed again."""
        by_name = {c.name: c for c in COMPARISONS}
        trained = tuple(
            _as_used(by_name[entry["output_column_name"]], entry["comparison_levels"])
            for entry in settings["comparisons"]
        )
        p = float(settings["probability_two_random_records_match"])
        return cls(p, trained, copy.deepcopy(settings))


def probability(weight: float) -> float:
    """Match probability from a total match weight (log2 odds)."""
    if weight > 60:
        return 1.0
    odds: float = 2.0**weight
    return odds / (1.0 + odds)


def _trained(
    comparison: Comparison, levels: list[dict[str, Any]], u_floor: float
) -> TrainedComparison:
    """The comparison's m, u and weights; `levels` is updated in place with m and u used."""
    if len(levels) != len(comparison.labels):
        raise ModelNotTrainedError(f"{comparison.name}: level count differs from Splink's")
    scored = levels[1:]  # the null level has neither m nor u
    m_trained = [_probability_or_none(level.get("m_probability")) for level in scored]
    u_sampled = [_probability_or_none(level.get("u_probability")) for level in scored]
    m = list(_smoothed(m_trained))
    u = [value or u_floor for value in u_sampled]
    for n, (m_value, u_value) in enumerate(zip(m_trained, u_sampled, strict=True)):
        if m_value is None and u_value is None:  # never seen at all: says nothing
            m[n] = u[n]
    for level, m_used, u_used in zip(scored, m, u, strict=True):
        level["m_probability"], level["u_probability"] = m_used, u_used
    weights = (0.0, *(math.log2(mi / ui) for mi, ui in zip(m, u, strict=True)))
    return TrainedComparison(comparison, (None, *m), (None, *u), weights)


def _as_used(comparison: Comparison, levels: list[dict[str, Any]]) -> TrainedComparison:
    if len(levels) != len(comparison.labels):
        raise ModelNotTrainedError(f"{comparison.name}: level count differs from Splink's")
    m = tuple(float(level["m_probability"]) for level in levels[1:])
    u = tuple(float(level["u_probability"]) for level in levels[1:])
    weights = (0.0, *(math.log2(mi / ui) for mi, ui in zip(m, u, strict=True)))
    return TrainedComparison(comparison, (None, *m), (None, *u), weights)


def _smoothed(m: list[float | None]) -> tuple[float, ...]:
    """Additive smoothing of Splink's m distribution over the non-null levels.

    EM on a population with few duplicates puts m at ~0 for levels it never saw among
    matches (a postcode typo, a move), which makes one field veto a match with weights
    of -100 or worse. A pseudo-count of M_SMOOTHING per level keeps weights finite.
    """
    trained = [value or 0.0 for value in m]
    total = sum(trained) + M_SMOOTHING * len(trained)
    return tuple((value + M_SMOOTHING) / total for value in trained)


def _probability_or_none(value: object) -> float | None:
    if isinstance(value, int | float) and value > 0:
        return float(value)
    return None
