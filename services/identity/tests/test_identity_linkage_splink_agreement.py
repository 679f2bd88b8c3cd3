"""The in-process scorer gives the match weights that Splink's own predict() gives.

One trained model; a fixed set of records (a slice of a synthetic council, its legacy
copies, and hand-made pairs that reach the rarer levels); every pair among them scored
by Splink from the model's settings and by the Python twins of the comparisons.
"""

from __future__ import annotations

import copy
import random
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from splink import DuckDBAPI, Linker

from townhall.identity.linkage import Model, Record
from townhall.identity.linkage.features import Features, features_of
from townhall.identity.linkage.model import probability
from townhall.identity.linkage.synthetic import generate, legacy_copy
from townhall.identity.linkage.synthetic_people import Town
from townhall.identity.linkage.training import training_frame

ALICE = Record(
    given_name="Alice", family_name="Hartley", date_of_birth=date(1980, 3, 4),
    postcode="ZX1 2AB", house_number="12", address_line="Orchard Road", town="Testbury",
    uprn="000000000123", email="alice@example.invalid", phone="07700 900001",
)  # fmt: skip
HANDMADE = [
    ALICE,
    replace(ALICE, given_name="Hartley", family_name="Alice"),  # names swapped
    replace(ALICE, given_name="Hartlye", family_name="Alcie"),  # swapped, with typos
    replace(ALICE, given_name="Hartley", family_name="Brown"),  # given is the other's family
    replace(ALICE, family_name="Brown", former_family_names=("Hartley",)),  # married
    replace(ALICE, given_name="Alicia", date_of_birth=date(1980, 4, 3)),  # day/month swapped
    replace(ALICE, date_of_birth=date(1908, 3, 4), postcode="ZX1 2BA"),  # digits swapped
    replace(ALICE, address_line="Road Orchard", uprn=None, email=None),  # words reordered
    replace(ALICE, house_number="14", address_line="Orchrd Road", town="Testbery"),
    replace(ALICE, postcode="ZX1 3AB", uprn=None, phone=None, town=None),  # same sector
    replace(ALICE, postcode="ZX1 9QQ", address_line=None, house_number=None, uprn=None),
    Record(given_name="Bill", family_name="Hartley", date_of_birth=date(1980, 3, 14)),
    Record(given_name="William", family_name="Hartly", date_of_birth=date(1980, 5, 4)),
    Record(given_name="Ali", family_name="Hartley", postcode="ZX12AB", uprn="000000000123"),
    Record(given_name=None, initials="W", family_name="Hartley"),  # Bill's formal initial
    Record(given_name=None, initials="A", family_name="Hartley"),  # Alice, or swapped
    Record(given_name=None, initials="H", family_name="Alice"),  # swapped under an initial
    Record(given_name="Sammy", family_name="Hartley"),  # Samuel or Samantha
    Record(given_name="Samantha", family_name="Hartley"),
    Record(given_name="Sam", family_name="Hartley", date_of_birth=date(1980, 3, 4)),
]


@pytest.fixture(scope="module")
def features() -> list[Features]:
    council = generate(300, seed=5)
    town = Town(random.Random(9))
    records = [*council.population[:50], *HANDMADE]
    records += [legacy_copy(town, record) for record in council.population[:20]]
    return [features_of(record) for record in records]


Row = dict[str, Any]


@pytest.fixture(scope="module")
def splink_pairs(model: Model, features: list[Features]) -> list[Row]:
    """Every pair, as Splink's predict() scores it with the model's own settings."""
    settings: dict[str, Any] = copy.deepcopy(model.splink_settings)
    settings["blocking_rules_to_generate_predictions"] = []  # every pair
    linker = Linker(DuckDBAPI().register(training_frame(features)), settings)
    return linker.inference.predict().as_record_list()


def _pair(features: list[Features], row: Row) -> tuple[Features, Features]:
    return features[row["unique_id_l"]], features[row["unique_id_r"]]


def test_splink_scored_every_pair(splink_pairs: list[Row], features: list[Features]) -> None:
    assert len(splink_pairs) == len(features) * (len(features) - 1) // 2


def test_each_comparison_lands_on_the_level_splink_chose(
    model: Model, features: list[Features], splink_pairs: list[Row]
) -> None:
    for trained in model.comparisons:
        comparison = trained.comparison
        else_level = len(comparison.labels) - 1
        for row in splink_pairs:
            a, b = _pair(features, row)
            level = comparison.level_of(a, b)
            expected = -1 if level == 0 else else_level - level  # Splink counts down
            assert row[f"gamma_{comparison.name}"] == expected, (comparison.name, a, b)


def test_match_weights_and_probabilities_agree_with_splink(
    model: Model, features: list[Features], splink_pairs: list[Row]
) -> None:
    for row in splink_pairs:
        a, b = _pair(features, row)
        assert model.weight(a, b) == pytest.approx(row["match_weight"], abs=1e-6)
        assert model.weight(b, a) == pytest.approx(row["match_weight"], abs=1e-6)
        assert probability(model.weight(a, b)) == pytest.approx(row["match_probability"], abs=1e-9)


def test_the_fixed_pairs_reach_the_rarer_levels(
    model: Model, features: list[Features], splink_pairs: list[Row]
) -> None:
    """Agreement means something only if the pairs reach beyond exact and else."""
    reached = {
        (t.comparison.name, t.comparison.labels[level])
        for row in splink_pairs
        for t, level in zip(model.comparisons, model.levels(*_pair(features, row)), strict=True)
    }
    for wanted in [
        ("given_name", "nickname"),
        ("given_name", "given and family names swapped"),
        ("given_name", "one's given name is the other's family name"),
        ("family_name", "former name"),
        ("date_of_birth", "day and month transposed"),
        ("date_of_birth", "one digit differs or two swapped"),
        ("postcode", "sector"),
        ("postcode", "one character differs or two swapped"),
        ("address", "same UPRN"),
        ("address", "similar street, other number"),
        ("town", "similar"),
    ]:
        assert wanted in reached, wanted
