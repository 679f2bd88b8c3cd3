"""Unsupervised training with Splink on DuckDB, from the population itself.

u probabilities come from random sampling of record pairs; m probabilities from
expectation maximisation on two blocked samples (same date of birth; same names), so
every comparison is estimated at least once; the prior from deterministic rules.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from townhall.identity.linkage.comparisons import COMPARISONS, Comparison
from townhall.identity.linkage.errors import ModelNotTrainedError
from townhall.identity.linkage.features import FEATURE_COLUMNS, Features, features_of
from townhall.identity.linkage.model import Model
from townhall.identity.linkage.record import Record

if TYPE_CHECKING:  # Splink and pandas take seconds to import: only when training
    import pandas as pd
    from splink import Linker
    from splink.comparison_library import CustomComparison
    from splink.internals.blocking_rule_creator import BlockingRuleCreator

_MIN_POPULATED = 0.01


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    seed: int = 42
    u_max_pairs: float = 2e6
    em_max_pairs: float | None = 5e5
    deterministic_recall: float = 0.7


def train(records: Sequence[Record], options: TrainingOptions | None = None) -> Model:
    """Train the model on a population (at least a few hundred records).

    EM needs some duplicates to learn from: on a population without any, Splink finds
    no match to estimate the prior from, or drives an m probability to exactly zero,
    which Splink 5 refuses. Either is raised as ModelNotTrainedError.
    """
    return train_on([features_of(r) for r in records], options)


def train_on(features: Sequence[Features], options: TrainingOptions | None = None) -> Model:
    """`train` on the records' features, for a caller that has worked them out already
    (a batch scores with the same features it trains on)."""
    linker = splink_linker(features)
    emails = training_frame(features)["email"].dropna()
    options = options or TrainingOptions()
    from splink.internals.exceptions import EMTrainingException

    try:
        fit(linker, options, shared_emails=bool(emails.duplicated().any()))
    except (ValueError, EMTrainingException) as error:
        raise ModelNotTrainedError(f"Splink could not estimate the model: {error}") from error
    sampled = min(options.u_max_pairs, len(features) * (len(features) - 1) / 2)
    return Model.from_splink(linker.misc.save_model_to_json(), u_floor=1.0 / sampled)


def splink_linker(features: Sequence[Features]) -> Linker:
    """A Splink linker over the normalised features (unique_id = position)."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    if len(features) < 50:
        raise ModelNotTrainedError("training needs a population of at least 50 records")
    frame = training_frame(features)
    comparisons = [c for c in COMPARISONS if _populated(frame, c)]
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[_splink_comparison(c) for c in comparisons],
        blocking_rules_to_generate_predictions=[block_on("dob"), block_on("given", "family")],
        retain_intermediate_calculation_columns=False,
    )
    logging.getLogger("splink").setLevel(logging.WARNING)
    return Linker(DuckDBAPI().register(frame), settings, log_level=None)


def fit(linker: Linker, options: TrainingOptions, *, shared_emails: bool = True) -> None:
    from splink import block_on

    training = linker.training
    names = {c["output_column_name"] for c in linker.misc.save_model_to_json()["comparisons"]}
    rules: list[str | BlockingRuleCreator] = [block_on("given", "family", "dob")]
    rules += [block_on(column) for column in ("email", "phone") if column in names]
    training.estimate_probability_two_random_records_match(
        rules, recall=options.deterministic_recall
    )
    training.estimate_u_using_random_sampling(max_pairs=options.u_max_pairs, seed=options.seed)
    for rule in _em_rules(names, shared_emails):
        training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=options.em_max_pairs
        )


def _em_rules(names: set[str], shared_emails: bool) -> list[BlockingRuleCreator]:
    """Blocking rules for EM; together they estimate every comparison at least once.

    Where email addresses exist, names and date of birth are trained on pairs sharing
    one: pairs sharing a date of birth include twins, and pairs sharing a name include
    a father and son or two John Smiths, and EM takes either for one person. The
    rest is trained on pairs sharing names and date of birth. Last, the given name is
    trained again on pairs at one property (UPRN): only there do a council's records
    that hold an initial or a title alone (council tax) meet the full names of other
    systems, so only there can EM see how an initial agrees among true matches. Without
    email (FEBRL), or where no two records share one (identity keeps emails unique per
    resident), the classic pair of rules is used.
    """
    from splink import block_on

    if "email" in names and shared_emails:
        rules = [block_on("email"), block_on("given", "family", "dob")]
        return rules + ([block_on("uprn")] if "address" in names else [])
    return [block_on("dob"), block_on("given", "family")]


def training_frame(features: Sequence[Features]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame([f.as_row() for f in features], columns=list(FEATURE_COLUMNS))
    frame.insert(0, "unique_id", range(len(frame)))
    return frame


def _populated(frame: pd.DataFrame, comparison: Comparison) -> bool:
    column = comparison.columns[0]
    return bool(frame[column].notna().mean() >= _MIN_POPULATED)


def _splink_comparison(comparison: Comparison) -> CustomComparison:
    from splink.comparison_level_library import CustomLevel, ElseLevel
    from splink.comparison_library import CustomComparison
    from splink.internals.comparison_level_creator import ComparisonLevelCreator

    levels: list[ComparisonLevelCreator | dict[str, Any]] = [
        CustomLevel(comparison.null_sql, label_for_charts="null").configure(is_null_level=True),
        *(CustomLevel(sql, label_for_charts=label) for label, sql in comparison.levels),
        ElseLevel(),
    ]
    return CustomComparison(levels, output_column_name=comparison.name)
