"""Comparison and clustering rules for what councils hold: initials, titles, NI numbers,
Jr/Sr, households, movers and married names."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from townhall.identity.linkage import Address, Matcher, Model, Outcome, Record
from townhall.identity.linkage.batch import consistent_clusters, deduplicate, household_moves
from townhall.identity.linkage.comparisons import (
    COMPARISONS,
    conflicts,
    household_conflicts,
    names_differ,
)
from townhall.identity.linkage.features import Features, features_of
from townhall.identity.linkage.matcher import AMBIGUOUS_POSTERIOR

HOME: dict[str, str] = {
    "postcode": "ZX4 7QT", "house_number": "3", "address_line": "Mill Lane",
    "town": "Sampleton", "uprn": "000000004711",
}  # fmt: skip
ROBERT = Record(given_name="Robert", family_name="Smith", title="Mr", resident_id="R1",
                date_of_birth=date(1970, 5, 6), **HOME)  # fmt: skip


def _level(name: str, a: Record, b: Record) -> str:
    comparison = next(c for c in COMPARISONS if c.name == name)
    return comparison.labels[comparison.level_of(features_of(a), features_of(b))]


def _f(record: Record) -> Features:
    return features_of(record)


def test_an_initial_agrees_weakly_with_the_full_name_it_starts(model: Model) -> None:
    initial = Record(given_name=None, initials="R", family_name="Smith")
    assert _level("given_name", initial, ROBERT) == "initial agrees with the name"
    assert not names_differ(_f(initial), _f(ROBERT))
    weights = dict(
        zip(model.comparisons[0].comparison.labels, model.comparisons[0].weights, strict=True)
    )
    assert weights["initial agrees with the name"] < weights["exact"]


def test_a_one_letter_given_name_is_an_initial() -> None:
    assert _level("given_name", Record(given_name="R", family_name="Smith"), ROBERT) == (
        "initial agrees with the name"
    )


def test_another_initial_is_another_person() -> None:
    other = Record(given_name=None, initials="J", family_name="Smith")
    assert _level("given_name", other, ROBERT) == "initial differs"
    assert names_differ(_f(other), _f(ROBERT))


def test_an_initial_agrees_with_a_nickname_of_the_name_it_starts() -> None:
    """Council tax knows him as "Mr R Robinson", the waste call-handler as Bob."""
    bob = Record(given_name="Bob", family_name="Smith")
    assert _level("given_name", Record(None, "Smith", initials="R"), bob) == (
        "initial agrees with the name"
    )
    assert _level("given_name", bob, Record(None, "Smith", initials="B")) == (
        "initial agrees with the name"
    )
    assert not names_differ(_f(Record(None, "Smith", initials="R")), _f(bob))
    assert _level("given_name", Record(None, "Smith", initials="J"), bob) == "initial differs"


def test_a_nickname_two_names_share_agrees_with_either() -> None:
    """Sammy is Samantha to the council tax and Samuel to his neighbour."""
    sammy = Record(given_name="Sammy", family_name="Davis")
    for formal in ("Samantha", "Samuel"):
        assert _level("given_name", sammy, Record(formal, "Davis")) == "nickname"
        assert _level("given_name", Record(formal, "Davis"), sammy) == "nickname"
    assert _level("given_name", Record("Samantha", "Davis"), Record("Samuel", "Davis")) != (
        "nickname"
    )


def test_an_initial_and_a_surname_given_the_other_way_round_are_swapped_names() -> None:
    """ "R Davies" on the council tax, "Davies Rebecca" typed by a call-handler."""
    initial = Record(None, "Davies", initials="R")
    swapped = Record(given_name="Davies", family_name="Rebecca")
    assert _level("given_name", initial, swapped) == "given and family names swapped"
    assert _level("given_name", swapped, initial) == "given and family names swapped"
    assert not names_differ(_f(initial), _f(swapped))
    other = Record(given_name="Davies", family_name="Thomas")
    assert _level("given_name", initial, other) == "initial differs"


def test_a_middle_name_used_as_the_given_name_agrees() -> None:
    full = replace(ROBERT, middle_names=("James",))
    known_as = Record(given_name="James", family_name="Smith")
    assert _level("given_name", known_as, full) == "one's given name is the other's middle name"


def test_mr_and_mrs_are_two_people_and_dr_says_nothing() -> None:
    mr, mrs = Record(None, "Smith", title="Mr"), Record(None, "Smith", title="Mrs")
    assert names_differ(_f(mr), _f(mrs))
    assert not names_differ(_f(Record(None, "Smith", title="Dr")), _f(mrs))
    assert not names_differ(_f(Record(None, "Smith", title="Ms")), _f(mrs))


def test_another_ni_number_or_suffix_is_a_conflict_and_a_missing_one_is_not() -> None:
    base = replace(ROBERT, ni_number="QQ123456C", suffix="Sr")
    assert conflicts(_f(base), _f(replace(base, ni_number="QQ654321C"))) == ("ni_number",)
    assert conflicts(_f(base), _f(replace(base, suffix="Jnr"))) == ("suffix",)
    assert conflicts(_f(base), _f(replace(base, ni_number=None, suffix=None))) == ()
    assert conflicts(_f(base), _f(replace(base, ni_number="qq 12 34 56"))) == ()


def test_dates_of_birth_a_generation_apart_are_two_people_in_a_household() -> None:
    son = replace(ROBERT, date_of_birth=date(1996, 2, 3))
    assert "date_of_birth" in household_conflicts(_f(ROBERT), _f(son))
    typo = replace(ROBERT, date_of_birth=date(1907, 5, 6))  # one digit: a typo
    assert household_conflicts(_f(ROBERT), _f(typo)) == ()


def test_an_ni_disagreement_vetoes_a_link(model: Model) -> None:
    matcher = Matcher(model)
    matcher.add(replace(ROBERT, ni_number="QQ123456C"))
    incoming = replace(ROBERT, resident_id=None, ni_number="QQ999999A")
    decision = matcher.decide(matcher.match(incoming))
    assert decision.outcome is Outcome.NEW
    evidence = {e.comparison: e.level for e in decision.candidates[0].evidence}
    assert evidence["consistency"] == "conflicts with the resident on ni_number"


def test_a_record_conflicting_with_any_facet_of_a_resident_does_not_join_it(
    model: Model,
) -> None:
    matcher = Matcher(model)
    matcher.add(ROBERT)
    matcher.add(replace(ROBERT, resident_id="R2", suffix="Sr", date_of_birth=None))
    matcher.merge("R1", "R2")
    junior = replace(ROBERT, resident_id=None, suffix="Jr", date_of_birth=None)
    assert matcher.decide(matcher.match(junior)).outcome is not Outcome.LINK


def test_a_twin_is_not_linked_to_the_other_twin(model: Model) -> None:
    matcher = Matcher(model)
    matcher.add(ROBERT)
    twin = replace(ROBERT, resident_id=None, given_name="Oliver")
    assert matcher.decide(matcher.match(twin)).outcome is not Outcome.LINK


def test_a_title_and_surname_at_a_household_of_two_women_is_not_linked(model: Model) -> None:
    matcher = Matcher(model)
    matcher.add(Record("Ann", "Smith", resident_id="A", title="Mrs", **HOME))
    matcher.add(Record("Ruth", "Smith", resident_id="B", title="Miss", **HOME))
    decision = matcher.decide(matcher.match(Record(None, "Smith", title="Mrs", **HOME)))
    assert decision.outcome is not Outcome.LINK


def test_a_mover_is_found_at_any_address_they_are_known_at() -> None:
    moved = replace(
        ROBERT,
        postcode="ZX9 1LL", house_number="40", address_line="High Street", uprn="000000009999",
        previous_addresses=(Address(**HOME),),
    )  # fmt: skip
    at_old_home = Record("Robert", "Smith", **HOME)
    assert _level("address", at_old_home, moved) == "same UPRN"
    assert _level("postcode", at_old_home, moved) == "full"


def test_any_known_phone_or_email_agrees() -> None:
    known = replace(ROBERT, phone="07700 900001", other_phones=("01632 960001",),
                    email="r@example.invalid", other_emails=("bob@example.invalid",))  # fmt: skip
    incoming = Record("Bob", "Smith", phone="01632960001", email="BOB@example.invalid")
    assert _level("phone", incoming, known) == "exact"
    assert _level("email", incoming, known) == "exact"


def test_a_married_name_is_found_through_former_names() -> None:
    married = Record("Ann", "Jones", former_family_names=("Smith",))
    assert _level("family_name", Record("Ann", "Smith"), married) == "former name"


def test_flat_house_name_and_number_are_read_from_a_free_address_line() -> None:
    f = _f(Record("Ann", "Smith", address_line="FLAT 2, ROSE COURT, 12 ELM ROAD"))
    assert (f.flat, f.house_name, f.house_number, f.address_line) == (
        "2", "rose court", "12", "elm road"
    )  # fmt: skip


def test_two_flats_of_one_building_are_not_one_address() -> None:
    flat_2 = Record("Ann", "Smith", address_line="Flat 2, 12 Elm Road", postcode="ZX1 1AA")
    flat_9 = Record("Ann", "Smith", address_line="Flat 9, 12 Elm Road", postcode="ZX1 1AA")
    assert _level("address", flat_2, flat_9) == "same building, another flat"


def test_an_outward_code_alone_agrees_on_the_district_as_its_own_level() -> None:
    """All an outward code can agree on is the district: not the weaker evidence of two
    full postcodes that share only their district."""
    partial = Record("Ann", "Smith", postcode="ZX4")
    full = Record("Ann", "Smith", postcode="ZX4 7QT")
    assert _level("postcode", partial, full) == "outward code alone, same district"
    assert _level("postcode", Record("Ann", "Smith", postcode="ZX4 9AB"), full) == "district"
    assert _level("postcode", Record("Ann", "Smith", postcode="ZX5"), full) == "else"


def test_clustering_does_not_chain_a_household_through_a_title_only_record() -> None:
    records = {
        "mr": Record("John", "Smith", title="Mr", **HOME),
        "title": Record(None, "Smith", **HOME),
        "mrs": Record("Ann", "Smith", title="Mrs", **HOME),
    }
    features = {rid: _f(r) for rid, r in records.items()}
    pairs = {("mr", "title"): 0.99, ("mrs", "title"): 0.98, ("mr", "mrs"): 0.9}
    clusters = consistent_clusters(pairs, features)
    assert sorted(map(sorted, clusters)) == [["mr", "title"], ["mrs"]]


def test_the_two_holders_of_a_joint_account_are_never_one_person(model: Model) -> None:
    mr = Record(None, "Smith", initials="J", resident_id="CT1#0", **HOME)
    mrs = replace(mr, resident_id="CT1#1")  # the same initial: only the account tells
    found = deduplicate([mr, mrs], model, households=True, cannot_link=[("CT1#0", "CT1#1")])
    assert found == []


def test_twins_and_a_father_and_son_stay_apart_in_a_household_batch(model: Model) -> None:
    records = [
        replace(ROBERT, resident_id="father"),
        replace(ROBERT, resident_id="father-again", email=None),
        replace(ROBERT, resident_id="son", date_of_birth=date(1998, 1, 2)),
        replace(ROBERT, resident_id="son-again", date_of_birth=date(1998, 1, 2), suffix="Jr"),
        replace(ROBERT, resident_id="twin", given_name="Oliver", date_of_birth=date(1998, 1, 2)),
    ]
    found = {(p.left_id, p.right_id) for p in deduplicate(records, model, households=True)}
    assert found == {("father", "father-again"), ("son", "son-again")}


OTHER_HOME: dict[str, str] = {
    "postcode": "ZX9 1LL", "house_number": "40", "address_line": "High Street",
    "town": "Mockley", "uprn": "000000009999",
}  # fmt: skip


def test_a_household_seen_moving_takes_its_other_members_along() -> None:
    records = {
        "john-old": Record("John", "Smith", title="Mr", phone="07700 900001", **HOME),
        "john-new": Record("John", "Smith", phone="07700 900001", **OTHER_HOME),
        "ann-old": Record(None, "Smith", title="Mrs", initials="A", **HOME),
        "ann-new": Record("Ann", "Smith", title="Mrs", **OTHER_HOME),
    }
    features = {rid: _f(r) for rid, r in records.items()}
    clusters = [["john-old", "john-new"], ["ann-old"], ["ann-new"]]
    moved = household_moves(clusters, features, set())
    assert sorted(map(sorted, moved)) == [["ann-new", "ann-old"], ["john-new", "john-old"]]


def test_a_move_does_not_join_a_record_that_fits_a_father_and_a_son() -> None:
    records = {
        "ann-old": Record("Ann", "Smith", phone="07700 900002", **HOME),
        "ann-new": Record("Ann", "Smith", phone="07700 900002", **OTHER_HOME),
        "mr-old": Record(None, "Smith", title="Mr", **HOME),
        "father-new": Record("John", "Smith", date_of_birth=date(1960, 1, 1), **OTHER_HOME),
        "son-new": Record("John", "Smith", date_of_birth=date(1991, 3, 4), **OTHER_HOME),
    }
    features = {rid: _f(r) for rid, r in records.items()}
    clusters = [["ann-old", "ann-new"], ["mr-old"], ["father-new"], ["son-new"]]
    assert len(household_moves(clusters, features, set())) == 4


def test_another_member_of_the_household_is_a_new_resident_not_a_review(model: Model) -> None:
    matcher = Matcher(model, households=True)
    matcher.add(Record("Ann", "Smith", resident_id="A", title="Mrs", **HOME))
    husband = Record("John", "Smith", title="Mr", **HOME)
    decision = matcher.decide(matcher.match(husband))
    assert decision.outcome is Outcome.NEW
    assert decision.candidates[0].resident_id == "A"


def test_names_that_differ_but_share_an_ni_number_are_weighed_not_capped(model: Model) -> None:
    matcher = Matcher(model, households=True)
    matcher.add(replace(ROBERT, ni_number="QQ123456C"))
    known_as = replace(ROBERT, resident_id=None, given_name="Oliver", ni_number="QQ123456C")
    assert matcher.decide(matcher.match(known_as)).outcome is not Outcome.NEW


def test_in_households_a_son_of_the_same_name_does_not_join_his_father(model: Model) -> None:
    son = replace(ROBERT, resident_id=None, date_of_birth=date(1996, 2, 3))
    matcher = Matcher(model, households=True)
    matcher.add(ROBERT)
    decision = matcher.decide(matcher.match(son))
    assert decision.outcome is Outcome.NEW
    evidence = {e.comparison: e.level for e in decision.candidates[0].evidence}
    assert evidence["consistency"] == "conflicts with the resident on date_of_birth"


NEW_HOME: dict[str, str] = {
    "postcode": "ZX9 1LL", "house_number": "40", "address_line": "High Street",
    "town": "Sampleton", "uprn": "000000009999",
}  # fmt: skip


def test_a_record_known_by_phone_at_the_old_home_and_by_name_at_the_new_bridges_a_move(
    model: Model,
) -> None:
    matcher = Matcher(model, households=True)
    matcher.add(replace(ROBERT, resident_id="OLD", phone="07700 900001"))
    matcher.add(Record("Robert", "Smith", resident_id="NEW", title="Mr", **NEW_HOME))
    incoming = Record("Robert", "Smith", phone="07700900001", date_of_birth=date(1970, 5, 6),
                      **NEW_HOME)  # fmt: skip
    best = matcher.match(incoming)[0]
    assert {best.resident_id, *best.same_person} == {"OLD", "NEW"}
    assert matcher.decide(matcher.match(incoming)).outcome is Outcome.LINK


def test_two_residents_of_one_name_at_one_home_are_not_bridged(model: Model) -> None:
    matcher = Matcher(model, households=True)
    matcher.add(Record("Robert", "Smith", resident_id="SR", phone="07700 900001", **HOME))
    matcher.add(Record("Robert", "Smith", resident_id="JR", **HOME))
    found = matcher.match(Record("Robert", "Smith", phone="07700900001", **HOME))
    assert all(candidate.same_person == () for candidate in found)


def test_a_household_member_seen_at_the_new_home_brings_the_others_with_them(
    model: Model,
) -> None:
    matcher = Matcher(model, households=True)
    wife = Record("Ann", "Smith", resident_id="ANN", title="Mrs", **HOME)
    matcher.add(replace(wife, previous_addresses=(Address(**NEW_HOME),)))  # known at both
    matcher.add(Record("Robert", "Smith", resident_id="ROB", title="Mr", **HOME))
    husband_at_new_home = Record(None, "Smith", initials="R", title="Mr", **NEW_HOME)
    assert matcher.moved_here(_f(husband_at_new_home)) == {"ROB"}
    decision = matcher.decide(matcher.match(husband_at_new_home))
    assert (decision.outcome, decision.resident_id) == (Outcome.LINK, "ROB")


def test_without_a_household_seen_moving_a_name_at_another_address_is_not_enough(
    model: Model,
) -> None:
    matcher = Matcher(model, households=True)
    matcher.add(Record("Robert", "Smith", resident_id="ROB", title="Mr", **HOME))
    at_another_home = Record(None, "Smith", initials="R", title="Mr", **NEW_HOME)
    assert matcher.moved_here(_f(at_another_home)) == set()
    assert matcher.decide(matcher.match(at_another_home)).outcome is Outcome.NEW


def test_a_record_naming_no_generation_is_not_linked_to_a_senior_without_a_date_of_birth(
    model: Model,
) -> None:
    matcher = Matcher(model, households=True)
    matcher.add(replace(ROBERT, suffix="Sr"))
    either = Record("Robert", "Smith", title="Mr", **HOME)
    assert matcher.decide(matcher.match(either)).outcome is Outcome.REVIEW
    himself = replace(either, date_of_birth=ROBERT.date_of_birth)
    assert matcher.decide(matcher.match(himself)).outcome is Outcome.LINK


def test_a_junior_s_record_is_not_linked_to_a_resident_known_by_no_generation(
    model: Model,
) -> None:
    """A record of "MR R SMITH JNR" says a Robert Smith Sr exists: the Robert Smith known at that
    home by no suffix and no date of birth may be either of them (an officer decides)."""
    matcher = Matcher(model, households=True)
    matcher.add(replace(ROBERT, date_of_birth=None))
    junior = Record("Robert", "Smith", title="Mr", suffix="Jnr", **HOME)
    assert matcher.decide(matcher.match(junior)).outcome is Outcome.REVIEW
    matcher.update(replace(ROBERT, date_of_birth=date(1996, 2, 3)))
    himself = replace(junior, date_of_birth=date(1996, 2, 3))
    assert matcher.decide(matcher.match(himself)).outcome is Outcome.LINK


def _father_and_son(matcher: Matcher) -> None:
    """Two Robert Smiths at one home, told apart by their dates of birth (one with an
    initial only, as council tax holds him): the record weighs more towards him."""
    matcher.add(replace(ROBERT, given_name=None, initials="R", email=None))
    matcher.add(replace(ROBERT, resident_id="R2", date_of_birth=date(1996, 2, 3)))


def test_mr_r_smith_at_a_home_of_two_robert_smiths_goes_to_review(model: Model) -> None:
    matcher = Matcher(model, households=True)
    _father_and_son(matcher)
    mr_r_smith = Record(None, "Smith", initials="R", title="Mr", **HOME)
    decision = matcher.decide(matcher.match(mr_r_smith))
    assert decision.outcome is Outcome.REVIEW
    assert {c.resident_id for c in decision.candidates} >= {"R1", "R2"}


def test_a_date_of_birth_says_which_of_two_namesakes_a_record_is(model: Model) -> None:
    matcher = Matcher(model, households=True)
    _father_and_son(matcher)
    son = Record("Robert", "Smith", title="Mr", date_of_birth=date(1996, 2, 3), **HOME)
    decision = matcher.decide(matcher.match(son))
    assert (decision.outcome, decision.resident_id) == (Outcome.LINK, "R2")


def test_mr_r_smith_at_a_home_of_one_robert_smith_is_not_held_back(model: Model) -> None:
    matcher = Matcher(model, households=True)
    matcher.add(replace(ROBERT, given_name=None, initials="R", email=None))
    mr_r_smith = Record(None, "Smith", initials="R", title="Mr", **HOME)
    assert matcher.namesakes(features_of(mr_r_smith), []) == []
    decision = matcher.decide(matcher.match(mr_r_smith))
    assert decision.candidates[0].posterior > 0.75


def test_two_residents_of_one_name_not_told_apart_do_not_hold_a_record_back(
    model: Model,
) -> None:
    """They may be one person known twice (the duplicate pass looks at them): the record
    is scored as before, not sent to an officer for being ambiguous."""
    matcher = Matcher(model, households=True)
    matcher.add(replace(ROBERT, given_name=None, initials="R", email=None, date_of_birth=None))
    matcher.add(replace(ROBERT, resident_id="R2"))
    mr_r_smith = Record(None, "Smith", initials="R", title="Mr", **HOME)
    assert len(matcher.namesakes(features_of(mr_r_smith), _ranked(matcher, mr_r_smith))) == 2
    assert matcher.match(mr_r_smith)[0].posterior != AMBIGUOUS_POSTERIOR


def _ranked(matcher: Matcher, record: Record) -> list[tuple[str, float]]:
    return [(c.resident_id, c.match_weight) for c in matcher.match(record)]
