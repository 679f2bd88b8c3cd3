"""Unsupervised training with Splink on DuckDB, from the population itself.

u probabilities come from random sampling of record pairs; m probabilities from
expectation maximisation on two blocked samples (same date of birth; same names), so
every comparison is estimated at least once. The prior (the probability that two
records picked at random are one person) starts from deterministic rules, as Splink
estimates it, and is then made consistent with the trained model (`consistent_prior`).
"""

from __future__ import annotations

import copy
import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from townhall.identity.linkage.comparisons import COMPARISONS, Comparison, household_conflicts
from townhall.identity.linkage.errors import ModelNotTrainedError
from townhall.identity.linkage.features import FEATURE_COLUMNS, Features, features_of
from townhall.identity.linkage.model import Model, probability
from townhall.identity.linkage.pairs import weighed_pairs
from townhall.identity.linkage.record import Record

if TYPE_CHECKING:  # Splink and pandas take seconds to import: only when training
    import pandas as pd
    from splink import Linker
    from splink.comparison_library import CustomComparison
    from splink.internals.blocking_rule_creator import BlockingRuleCreator

_MIN_POPULATED = 0.01
#: `consistent_prior`: at most this many rounds, until a round moves the prior by less
#: than this fraction of it; pairs below this probability at Splink's prior are left
#: out (at a prior ten times Splink's, each would still be below 0.001); and the prior
#: stays within these bounds (a population of strangers, or of one person).
_PRIOR_ROUNDS = 50
_PRIOR_TOLERANCE = 0.001
_PRIOR_FLOOR = 1e-4
_PRIOR_LOWEST = 1e-9
_PRIOR_HIGHEST = 0.5


@dataclass(frozen=True, slots=True)
class TrainingOptions:
    seed: int = 42
    u_max_pairs: float = 2e6
    em_max_pairs: float | None = 5e5
    deterministic_recall: float = 0.7
    #: `consistent_prior` reads a random sample of at most this many records.
    prior_sample: int = 5_000


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
    emails = [f.email for f in features if f.email is not None]
    options = options or TrainingOptions()
    from splink.internals.exceptions import EMTrainingException

    try:
        fit(linker, options, shared_emails=len(set(emails)) < len(emails))
    except (ValueError, EMTrainingException) as error:
        raise ModelNotTrainedError(f"Splink could not estimate the model: {error}") from error
    sampled = min(options.u_max_pairs, len(features) * (len(features) - 1) / 2)
    model = Model.from_splink(linker.misc.save_model_to_json(), u_floor=1.0 / sampled)
    return consistent_prior(features, model, options)


def consistent_prior(
    features: Sequence[Features], model: Model, options: TrainingOptions | None = None
) -> Model:
    """The model with the prior its own scores imply for the population.

    Splink estimates the prior from deterministic rules (same names and date of birth,
    same email or phone) and an assumed recall for them (`deterministic_recall`). Where
    the rules reach most true pairs (FEBRL: every record has a date of birth) that is
    close. A council's legacy records mostly cannot meet them: council tax holds no date
    of birth and often an initial, so the rules find a fraction of the pairs they are
    assumed to, and the prior comes out several times too small. Every posterior is then
    too low: a record its engine puts at 0.6 is its person far more often than that,
    and it waits for an officer.

    Here the prior is instead the one at which the model expects as many matches as it
    assumes: the expected number of true pairs, the sum of the probability of every pair
    the engine scores (`pairs.weighed_pairs`, with the engine's caps and conflicts), over
    the number of pairs. Pairs the engine holds to be two people among households
    (`household_conflicts`: another given name, sex, NI number, suffix, or a generation
    between their dates of birth) count none, as its clustering never joins them. The
    classic estimate of the proportion of matches in Fellegi-Sunter EM, without labels.
    Pairs the blocking never meets are left out, so it errs low.

    The pairs are weighed once, with Splink's prior and a low floor (`_PRIOR_FLOOR`); a
    prior shifts every weight by the same amount (the matcher's caps, absolute weights,
    aside: a pair at a cap counts as if shifted too), so the fixed point (from Splink's
    estimate, a few rounds) is found on those weights alone. On a
    random sample of records (`prior_sample`) for a large population: the sample's pairs
    are as likely to be one person as the population's.
    """
    options = options or TrainingOptions()
    population = list(features)
    if len(population) > options.prior_sample:
        population = random.Random(options.seed).sample(population, options.prior_sample)
    sample = {str(n): f for n, f in enumerate(population)}
    pairs = len(sample) * (len(sample) - 1) / 2
    start = model.prior_weight
    weighed = weighed_pairs(sample, model, _PRIOR_FLOOR)
    evidence = [weight - start for (a, b), weight in weighed.items()
                if not household_conflicts(sample[a], sample[b])]  # fmt: skip
    prior = model.probability_two_random_records_match
    for _ in range(_PRIOR_ROUNDS):
        shift = math.log2(prior / (1.0 - prior))
        expected = sum(probability(w + shift) for w in evidence)
        estimate = min(max(expected / pairs, _PRIOR_LOWEST), _PRIOR_HIGHEST)
        settled = abs(estimate - prior) <= _PRIOR_TOLERANCE * prior
        prior = estimate
        if settled:
            break
    return with_prior(model, prior)


def with_prior(model: Model, prior: float) -> Model:
    """The model with another prior; its Splink settings say the same."""
    settings = copy.deepcopy(model.splink_settings)
    settings["probability_two_random_records_match"] = prior
    return replace(model, probability_two_random_records_match=prior, splink_settings=settings)


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
