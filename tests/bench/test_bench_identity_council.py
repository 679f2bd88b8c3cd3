"""The council benchmark's generator is a fixed yardstick: the same seed gives the same
council and the same legacy rows, and its ground truth holds the relations it claims."""

from __future__ import annotations

from itertools import combinations

from bench_identity.council.mapping import sightings
from bench_identity.council.people import WINDOW_START, make_council, same_household
from bench_identity.council.systems import SYSTEMS, legacy_rows


def test_the_same_seed_gives_the_same_council_rows_and_records() -> None:
    first, second = make_council(80, seed=7), make_council(80, seed=7)
    assert first.people.keys() == second.people.keys()
    assert [vars(p) for p in first.people.values()] == [vars(p) for p in second.people.values()]
    rows_a, rows_b = legacy_rows(first, 8), legacy_rows(second, 8)
    assert rows_a == rows_b
    assert [s.record for s in sightings(first, rows_a)] == [
        s.record for s in sightings(second, rows_b)
    ]


def test_another_seed_gives_another_council() -> None:
    one, other = make_council(80, seed=7), make_council(80, seed=8)
    assert [p.given for p in one.people.values()] != [p.given for p in other.people.values()]


def test_twins_and_fathers_and_sons_are_what_the_truth_says() -> None:
    council = make_council(400, seed=12)
    assert council.twins and council.jr_sr
    for pair in council.twins:
        a, b = (council.people[pid] for pid in pair)
        assert a.born == b.born and a.given != b.given and same_household(council, a.pid, b.pid)
    for pair in council.jr_sr:
        a, b = (council.people[pid] for pid in pair)
        assert (a.given, a.family) == (b.given, b.family) and a.born != b.born


def test_every_system_holds_rows_and_a_joint_account_names_two_people_of_one_household() -> None:
    council = make_council(200, seed=12)
    rows = legacy_rows(council, 13)
    assert {row.system for row in rows} == set(SYSTEMS)
    joint = [row for row in rows if len(row.people) == 2]
    assert joint
    for row in joint:
        assert row.system == "council_tax"
        assert all(same_household(council, a, b) for a, b in combinations(row.people, 2))


def test_a_previous_surname_is_on_some_council_tax_and_housing_rows_never_on_waste() -> None:
    council = make_council(1500, seed=12)
    seen = sightings(council, legacy_rows(council, 13))
    recorded = [s for s in seen if s.record.former_family_names]
    assert recorded and {s.system for s in recorded} == {"council_tax", "housing"}
    for s in recorded:
        person = council.people[s.person]
        earlier = [name.casefold() for start, name in person.names if start <= s.on][:-1]
        assert s.record.former_family_names[0].casefold() == earlier[-1]
        assert "former_recorded" in s.tags
        assert [f.family_name for f in s.incoming.former_family_names] == list(
            s.record.former_family_names
        )
    married = [s for s in seen if s.true_family != council.people[s.person].names[0][1]]
    assert len(recorded) < len(married), "a share of the rows, not all"


def test_a_previous_address_is_a_home_the_person_left_on_some_council_tax_and_housing_rows() -> (
    None
):
    council = make_council(1500, seed=12)
    seen = sightings(council, legacy_rows(council, 13))
    recorded = [s for s in seen if s.record.previous_addresses]
    assert recorded and {s.system for s in recorded} == {"council_tax", "housing"}
    for s in recorded:
        person = council.people[s.person]
        left = {home.postcode for start, home in person.homes if start < s.on} - {
            person.home_at(s.on).postcode
        }
        assert {a.postcode for a in s.record.previous_addresses} <= left
        assert "previous_recorded" in s.tags
    moving_in = [s for s in seen if s.system == "council_tax" and s.on > WINDOW_START
                 and s.on in {start for start, _ in council.people[s.person].homes}]  # fmt: skip
    from_moves = [s for s in recorded if s.system == "council_tax"]
    assert len(from_moves) < len(moving_in), "a share of the accounts opened by a move, not all"
