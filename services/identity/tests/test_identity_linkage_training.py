"""Training on a population shaped like identity's own: one email per resident."""

import dataclasses
from collections import Counter

import pytest

from townhall.identity.linkage import Model, ModelNotTrainedError, train
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.synthetic import generate
from townhall.identity.linkage.training import consistent_prior, with_prior


def test_a_population_where_no_two_residents_share_an_email_still_trains() -> None:
    seen: set[str] = set()
    population = []
    for record in generate(300, seed=5).population:
        if record.email in seen:
            record = dataclasses.replace(record, email=None)
        if record.email:
            seen.add(record.email)
        population.append(record)
    assert isinstance(train(population), Model)


def test_a_population_without_a_single_duplicate_is_refused_clearly() -> None:
    council = generate(300, seed=11)
    originals = [
        r for r in council.population if council.person_of[r.resident_id or ""] == r.resident_id
    ]
    with pytest.raises(ModelNotTrainedError):
        train(originals)


def _share_of_true_pairs(person_of: dict[str, str]) -> float:
    sizes = Counter(person_of.values())
    n = len(person_of)
    return sum(k * (k - 1) / 2 for k in sizes.values()) / (n * (n - 1) / 2)


def test_the_prior_is_the_share_of_pairs_that_are_one_person_where_most_lack_a_birth_date() -> None:
    # Splink's deterministic rules (names and date of birth, email, phone) cannot reach
    # a council-tax row: the prior must not rest on them
    council = generate(400, seed=7)
    population = [
        dataclasses.replace(r, date_of_birth=None, email=None, phone=None) if n % 4 else r
        for n, r in enumerate(council.population)
    ]
    truth = _share_of_true_pairs(council.person_of)

    prior = train(population).probability_two_random_records_match

    assert truth / 2 <= prior <= truth * 2  # Splink alone: about truth / 8


@pytest.mark.parametrize("start", [0.05, 20.0])
def test_the_prior_settles_at_what_the_model_expects_from_far_too_low_or_too_high(
    start: float,
) -> None:
    council = generate(300, seed=5)
    features = [features_of(r) for r in council.population]
    model = train(council.population)
    truth = _share_of_true_pairs(council.person_of)

    settled = consistent_prior(features, with_prior(model, truth * start))

    assert truth / 2 <= settled.probability_two_random_records_match <= truth * 2
    assert settled.splink_settings["probability_two_random_records_match"] == (
        settled.probability_two_random_records_match
    )
