"""Training on a population shaped like identity's own: one email per resident."""

import dataclasses

from townhall.identity.linkage import Model, train
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
