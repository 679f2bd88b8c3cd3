"""Training on a population shaped like identity's own: one email per resident."""

import dataclasses

import pytest

from townhall.identity.linkage import Model, ModelNotTrainedError, train
from townhall.identity.linkage.synthetic import generate


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
