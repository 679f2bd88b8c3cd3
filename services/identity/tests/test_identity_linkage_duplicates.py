"""The duplicate pass's rules: residents that are one person are merged into the oldest,
never across what says they are two people; a grey-zone pair is asked about once."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

from townhall.identity.linkage import Address, Model, Record
from townhall.identity.linkage.duplicates import find_duplicates
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.index import MAX_BLOCK, BlockingIndex
from townhall.identity.linkage.pairs import Reaching, scored_pairs, scored_pairs_one_by_one
from townhall.identity.linkage.synthetic import generate

HOME: dict[str, str] = {
    "postcode": "ZX4 7QT", "house_number": "3", "address_line": "Mill Lane",
    "town": "Sampleton", "uprn": "000000004711",
}  # fmt: skip
JOHN = Record(given_name="John", family_name="Hartley", title="Mr", resident_id="A",
              date_of_birth=date(1971, 3, 9), phone="07700900123", **HOME)  # fmt: skip
#: The same man, as a later record made him: another resident, the same evidence.
JOHN_AGAIN = replace(JOHN, resident_id="B", title=None)


def _found(records: list[Record], model: Model, **kwargs: object) -> set[tuple[str, str, bool]]:
    found = find_duplicates(records, model, link=0.9, review=0.5, **kwargs)  # type: ignore[arg-type]
    return {(d.survivor, d.other, d.merge) for d in found}


def test_two_residents_of_one_person_merge_into_the_first(model: Model) -> None:
    assert _found([JOHN, JOHN_AGAIN], model) == {("A", "B", True)}
    assert _found([JOHN_AGAIN, JOHN], model) == {("B", "A", True)}


def test_residents_of_different_people_are_left_alone(model: Model) -> None:
    stranger = Record(given_name="Priya", family_name="Okafor", resident_id="C",
                      date_of_birth=date(1988, 1, 2), postcode="ZX9 1AA")  # fmt: skip
    assert _found([JOHN, stranger], model) == set()


def test_a_joint_accounts_two_holders_are_never_merged(model: Model) -> None:
    assert _found([JOHN, JOHN_AGAIN], model, cannot_link=[("B", "A")]) == set()


def test_another_ni_number_keeps_two_residents_apart(model: Model) -> None:
    a = replace(JOHN, ni_number="QQ123456C")
    b = replace(JOHN_AGAIN, ni_number="QQ654321C")
    assert _found([a, b], model) == set()


def test_a_father_and_son_of_one_name_at_one_home_are_not_merged(model: Model) -> None:
    father = replace(JOHN, suffix="Snr", date_of_birth=date(1950, 3, 9), phone=None)
    son = replace(JOHN_AGAIN, suffix="Jnr", date_of_birth=date(1980, 7, 1), phone=None)
    assert _found([father, son], model) == set()
    unstated = replace(son, suffix=None)  # the gap in years alone says two people
    assert _found([father, unstated], model) == set()


def test_a_junior_and_a_namesake_known_by_no_generation_are_asked_about_not_merged(
    model: Model,
) -> None:
    """As the matcher decides a record: "John Hartley Jnr" and a John Hartley at his
    home known by no suffix and no date of birth may be the son or his father."""
    junior = replace(JOHN, suffix="Jnr", date_of_birth=None)
    unstated = replace(JOHN_AGAIN, date_of_birth=None)
    assert _found([junior, unstated], model) == {("A", "B", False)}
    told = replace(unstated, date_of_birth=date(1990, 4, 2), phone=None)
    same = replace(junior, date_of_birth=told.date_of_birth, phone=None)
    assert _found([same, told], model) == {("A", "B", True)}


def test_a_resident_who_could_be_either_of_two_namesakes_is_asked_about_not_merged(
    model: Model,
) -> None:
    """ "MR HARTLEY & MR HARTLEY" on a council-tax account (two residents, title only), at
    a home where two John Hartleys born a generation apart are known: each holder is
    one of them, but nothing says which."""
    father = replace(JOHN, date_of_birth=date(1950, 3, 9), phone=None)
    son = replace(JOHN_AGAIN, date_of_birth=date(1980, 7, 1))
    holder = Record(None, "Hartley", title="Mr", resident_id="C", **HOME)
    other_holder = replace(holder, resident_id="D")
    assert _found([father, holder], model) == {("A", "C", True)}, "one John Hartley: him"
    found = _found([father, son, holder, other_holder], model, cannot_link=[("C", "D")])
    assert not any(merge for _, _, merge in found), found


def test_a_husband_and_wife_at_one_home_are_not_merged_nor_asked_about(model: Model) -> None:
    wife = Record(given_name="Anne", family_name="Hartley", title="Mrs", resident_id="W",
                  date_of_birth=date(1973, 8, 1), phone="07700900123", **HOME)  # fmt: skip
    assert _found([JOHN, wife], model) == set()


def test_a_weak_pair_is_a_question_not_a_merge(model: Model) -> None:
    initial = Record(given_name=None, initials="J", family_name="Hartley", resident_id="B",
                     postcode="ZX4 7QT", town="Sampleton")  # fmt: skip
    found = find_duplicates([JOHN, initial], model, link=0.9, review=0.5)
    assert [(d.survivor, d.other, d.merge) for d in found] == [("A", "B", False)]
    assert 0.5 <= found[0].probability < 0.9


def test_three_residents_of_one_person_merge_into_one(model: Model) -> None:
    third = replace(JOHN, resident_id="C", given_name="Jon")
    assert _found([JOHN, JOHN_AGAIN, third], model) == {("A", "B", True), ("A", "C", True)}


def test_the_pass_decides_as_matching_each_resident_one_by_one_would(model: Model) -> None:
    """The fast pair scoring (each pair weighed once) against the plain statement of it
    (every resident matched through the product's `match_features`), on a seeded council
    with legacy duplicates and every hard case's records as residents: the same pairs
    with the same probabilities, hence the same merges and the same questions."""
    council = generate(400, seed=11, queries_per_case=20)
    queries = [replace(q.record, resident_id=f"q{n}") for n, q in enumerate(council.queries)]
    records = [*council.population, *queries]
    features = {r.resident_id: features_of(r) for r in records if r.resident_id}
    apart = {("q1", "q2")}
    fast = scored_pairs(records, features, model, 0.5, apart)
    plain = scored_pairs_one_by_one(records, features, model, 0.5, apart)
    assert fast == plain
    assert len(fast) > 100  # a council with plenty to decide
    found, plainly = (
        find_duplicates(records, model, link=0.9, review=0.5, scorer=scorer)
        for scorer in (scored_pairs, scored_pairs_one_by_one)
    )
    assert found == plainly
    assert {d.merge for d in found} == {True, False}  # both merges and questions compared


def test_records_that_only_meet_the_others_through_a_crowded_block_are_scored_as_one_by_one(
    model: Model,
) -> None:
    """A record with nothing but a common name (every block it is in is crowded) meets
    the others through its smallest crowded block, and they need not meet it: the fast
    scoring weighs such pairs from each side that meets them, as matching does."""
    named_only = [Record(given_name="John", family_name="Smith", resident_id=f"n{n}")
                  for n in range(MAX_BLOCK + 5)]  # fmt: skip
    housed = [
        Record(given_name="John", family_name="Smith", resident_id=f"h{n}",
               date_of_birth=date(1960 + n, 1, 2), postcode="ZX4 7QT",
               house_number=str(n + 1), address_line="Mill Lane", town="Sampleton")
        for n in range(5)
    ]  # fmt: skip
    records = [*housed[:2], *named_only, *housed[2:]]
    features = {r.resident_id: features_of(r) for r in records if r.resident_id}
    index = BlockingIndex()
    for rid, f in features.items():
        index.put(rid, [f])
    assert index.crowded_only(index.keys("n0")) and not index.crowded_only(index.keys("h0"))
    assert "h0" in index.candidates(features["n0"], index.keys("n0"))
    assert "n0" not in index.candidates(features["h0"], index.keys("h0"))

    fast = scored_pairs(records, features, model, 0.05, set())

    assert fast == scored_pairs_one_by_one(records, features, model, 0.05, set())
    assert any("h" in a + b and "n" in a + b for a, b in fast)  # pairs met one way only


def test_a_pair_is_weighed_exactly_or_dropped_only_when_it_cannot_reach_the_floor(
    model: Model,
) -> None:
    records = generate(200, seed=12, queries_per_case=0).population
    features = [features_of(r) for r in records]
    reaching = Reaching(model, floor=0.0)
    dropped = reached = 0
    for a, b in zip(features, features[1:] + features[:1], strict=True):  # households
        weight, found = model.weight(a, b), reaching(a, b)
        if found == -math.inf:
            assert weight < 0.0
            dropped += 1
        else:
            assert found == weight  # the same number, not merely close
            reached += weight >= 0.0
    assert dropped > 0 and reached > 0


def test_a_comparison_a_record_is_null_to_on_its_own_is_null_against_every_record(
    model: Model,
) -> None:
    """What `Reaching` leaves out for a pair: a comparison either record is null to
    against itself (no date of birth, no address) is at its null level against every
    record, from either side, and weighs nothing. A record known only at a former
    address says nothing in its primary columns: every comparison counts for it."""
    council = generate(150, seed=13, queries_per_case=3)
    moved_out = Record(given_name="John", family_name="Hartley", resident_id="M",
                       previous_addresses=(Address("ZX4 7QT", "3", None, None, "Mill Lane",
                                                   "Sampleton", "000000004711"),))  # fmt: skip
    records = [*council.population, *(q.record for q in council.queries), JOHN, moved_out]
    features = [features_of(r) for r in records]
    reaching = Reaching(model, floor=0.0)
    left_out = 0
    for a in features:
        known = reaching.known(a)
        for n, trained in enumerate(model.comparisons):
            if known >> n & 1:
                continue
            left_out += 1
            assert trained.weights[0] == 0.0
            level_of = trained.comparison.level_of
            assert all(level_of(a, b) == 0 == level_of(b, a) for b in features)
    assert left_out > len(features)  # most records lack something
    assert reaching.known(features_of(moved_out)) == (1 << len(model.comparisons)) - 1
