"""The batch (`deduplicate`). Among households it keeps a father and son of one name
apart: a record that names no generation joins a Jr's or a Sr's records only if a date
of birth or NI number says which of the two it is, and a Sr's records join the elder of
the two."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from townhall.identity.linkage import Model, Record
from townhall.identity.linkage.batch import deduplicate
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.generations import named_by_the_other
from townhall.identity.linkage.synthetic import generate


def _at_home(record: Record) -> Record:
    """The record at the family home: 3 Mill Lane, Sampleton ZX4 7QT."""
    return replace(record, postcode="ZX4 7QT", house_number="3", address_line="Mill Lane",
                   town="Sampleton", uprn="000000004711")  # fmt: skip


#: Council tax knows the father as a Sr, at the family home, with no date of birth.
FATHER = _at_home(Record("Robert", "Smith", title="Mr", suffix="Snr", resident_id="father"))
#: A waste call from the son gave his initial, his suffix and the outward code only.
SON = Record(None, "Smith", initials="R", suffix="Jnr", postcode="ZX4", resident_id="son")
#: A waste call from "Robert Smith" at the home: no suffix, no date of birth.
EITHER = _at_home(Record("Robert", "Smith", resident_id="either"))


def _pairs(records: list[Record], model: Model) -> set[tuple[str, str]]:
    return {(p.left_id, p.right_id) for p in deduplicate(records, model, households=True)}


def test_a_record_naming_no_generation_joins_neither_a_father_nor_a_son_of_its_name(
    model: Model,
) -> None:
    """It fits the father's record far better than the son's, but the father's says
    Sr: a Robert Smith Jr exists, and nothing in the record says it is not him."""
    assert _pairs([FATHER, SON, EITHER], model) == set()


def test_a_record_joins_a_senior_whose_records_share_its_date_of_birth(model: Model) -> None:
    born = date(1961, 4, 9)
    housing = _at_home(Record("Robert", "Smith", date_of_birth=born, resident_id="housing"))
    himself = replace(EITHER, date_of_birth=born)
    found = _pairs([replace(FATHER, date_of_birth=born), SON, housing, himself], model)
    assert found == {("father", "housing"), ("either", "father"), ("either", "housing")}


def test_a_seniors_record_joins_the_elder_of_a_father_and_son_told_apart_by_age(
    model: Model,
) -> None:
    elder = _at_home(Record("Robert", "Smith", date_of_birth=date(1961, 4, 9),
                            resident_id="elder", phone="07700 900001"))  # fmt: skip
    younger = replace(elder, date_of_birth=date(1990, 8, 2), phone="07700 900002",
                      resident_id="younger")  # fmt: skip
    assert _pairs([FATHER, elder, younger], model) == {("elder", "father")}


def test_the_other_holder_of_a_joint_account_with_a_senior_of_his_name_is_the_junior() -> None:
    """ "MR R SMITH SNR & MR R SMITH": the suffix was written to tell the two apart."""
    senior = _at_home(Record(None, "Smith", initials="R", title="Mr", suffix="Snr",
                             resident_id="CT1#0"))  # fmt: skip
    other = replace(senior, suffix=None, resident_id="CT1#1")
    wife = replace(senior, initials="A", title="Mrs", suffix=None, resident_id="CT2#1")
    features = {r.resident_id or "": features_of(r) for r in (senior, other, wife)}
    apart = {("CT1#0", "CT1#1"), ("CT1#0", "CT2#1"), ("CT1#0", "not-in-this-batch")}
    named = named_by_the_other(features, apart)
    assert [named[rid].suffix for rid in ("CT1#0", "CT1#1", "CT2#1")] == ["sr", "jr", None]


def test_a_batch_trained_on_its_own_features_finds_what_it_finds_with_the_model_given(
    model: Model,
) -> None:
    """`deduplicate` works each record's features out once, for training and scoring:
    the model it trains is the one `train` gives, so are its pairs."""
    population = generate(300, seed=5).population
    assert deduplicate(population) == deduplicate(population, model)
