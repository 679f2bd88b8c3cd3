"""Scoring a record against residents: swaps and typos link, siblings do not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from townhall.identity.linkage import Matcher, Model, Outcome, Record

JOSHUA = Record(
    given_name="Joshua", family_name="Campbell", resident_id="J1",
    date_of_birth=date(1967, 2, 27), postcode="ZX3 1HB", house_number="12",
    address_line="Ballumbir Street", town="Harbord", email="joshua@example.invalid",
)  # fmt: skip
AMELIA = Record(
    given_name="Amelia", family_name="Brook", resident_id="T1",
    date_of_birth=date(1990, 4, 21), postcode="ZX4 7QT", house_number="3",
    address_line="Mill Lane", town="Sampleton", uprn="000000004711",
)  # fmt: skip
OLIVIA = replace(AMELIA, given_name="Olivia", resident_id="T2")


def _matcher(model: Model, *records: Record) -> Matcher:
    matcher = Matcher(model)
    for record in records:
        matcher.add(record)
    return matcher


def test_swapped_and_mistyped_names_still_link(model: Model) -> None:
    matcher = _matcher(model, JOSHUA)
    swapped = replace(JOSHUA, resident_id=None, given_name="Campblel", family_name="Joshua")
    decision = matcher.decide(matcher.match(swapped))
    assert (decision.outcome, decision.resident_id) == (Outcome.LINK, "J1")


def test_a_transposed_day_and_month_still_links(model: Model) -> None:
    matcher = _matcher(model, replace(JOSHUA, date_of_birth=date(1967, 2, 7)))
    transposed = replace(JOSHUA, resident_id=None, date_of_birth=date(1967, 7, 2), email=None)
    decision = matcher.decide(matcher.match(transposed))
    assert (decision.outcome, decision.resident_id) == (Outcome.LINK, "J1")


def test_two_unmerged_records_of_one_person_do_not_split_the_decision(model: Model) -> None:
    legacy = replace(JOSHUA, resident_id="J2", email=None)
    matcher = _matcher(model, JOSHUA, legacy)
    incoming = replace(JOSHUA, resident_id=None, email=None)
    decision = matcher.decide(matcher.match(incoming))
    assert {c.resident_id for c in decision.candidates} == {"J1", "J2"}
    assert decision.outcome is Outcome.LINK


def test_a_twin_is_linked_to_themself_and_an_unseen_twin_to_neither(model: Model) -> None:
    matcher = _matcher(model, AMELIA, OLIVIA)
    known = matcher.decide(matcher.match(replace(OLIVIA, resident_id=None, uprn=None)))
    assert (known.outcome, known.resident_id) == (Outcome.LINK, "T2")
    unseen = matcher.decide(matcher.match(replace(AMELIA, resident_id=None, given_name="Isla")))
    assert unseen.outcome is not Outcome.LINK


def test_a_father_is_not_taken_for_his_son_of_the_same_name(model: Model) -> None:
    son = replace(JOSHUA, resident_id="J3", date_of_birth=date(1999, 8, 1), email=None)
    matcher = _matcher(model, JOSHUA, son)
    decision = matcher.decide(matcher.match(replace(JOSHUA, resident_id=None, email=None)))
    assert (decision.outcome, decision.resident_id) == (Outcome.LINK, "J1")
    newborn = replace(son, resident_id=None, date_of_birth=date(2024, 1, 9))
    assert matcher.decide(matcher.match(newborn)).outcome is not Outcome.LINK
