"""The matcher's index stays current as residents are added, changed, merged, removed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from townhall.identity.linkage import Matcher, Model, Record, UnknownResidentError
from townhall.identity.linkage.features import features_of
from townhall.identity.linkage.index import BlockingIndex, blocking_keys

ADA = Record(
    given_name="Ada", family_name="Testperson", resident_id="A1",
    date_of_birth=date(1980, 3, 4), postcode="ZX1 1AB", house_number="9",
    address_line="Sample Street", email="ada@example.invalid",
)  # fmt: skip


def _ids(matcher: Matcher, record: Record) -> list[str]:
    return [c.resident_id for c in matcher.match(replace(record, resident_id=None))]


def test_an_added_resident_is_found(model: Model) -> None:
    matcher = Matcher(model)
    matcher.add(ADA)
    assert _ids(matcher, ADA) == ["A1"]


def test_an_update_replaces_the_old_blocking_keys(model: Model) -> None:
    matcher = Matcher(model)
    matcher.add(ADA)
    moved = replace(ADA, given_name="Zelda", family_name="Otherperson",
                    date_of_birth=date(1950, 1, 1), postcode="ZX9 9ZZ", email=None,
                    address_line="Elsewhere Road")  # fmt: skip
    matcher.update(moved)
    assert _ids(matcher, ADA) == []
    assert _ids(matcher, moved) == ["A1"]


def test_a_removed_resident_is_no_longer_a_candidate(model: Model) -> None:
    matcher = Matcher(model)
    matcher.add(ADA)
    matcher.remove("A1")
    assert _ids(matcher, ADA) == []
    with pytest.raises(UnknownResidentError):
        matcher.remove("A1")


def test_a_merged_resident_is_found_under_the_surviving_id(model: Model) -> None:
    matcher = Matcher(model)
    other = replace(ADA, resident_id="B2", family_name="Marriedname", email="b@example.invalid",
                    former_family_names=("Testperson",))  # fmt: skip
    matcher.add(ADA)
    matcher.add(other)
    matcher.merge("A1", "B2")
    assert len(matcher) == 1
    assert _ids(matcher, other) == ["A1"]


def test_adding_the_same_resident_twice_is_refused(model: Model) -> None:
    matcher = Matcher(model)
    matcher.add(ADA)
    with pytest.raises(Exception, match="already indexed"):
        matcher.add(ADA)


@pytest.mark.parametrize(
    "changes",
    [
        {"given_name": "Testpersno", "family_name": "Adda"},  # swapped, with typos
        {"family_name": "Tsetperson", "date_of_birth": None, "email": None},
        {"date_of_birth": date(1980, 4, 3), "postcode": "ZX1 1BA", "email": None},
        {"given_name": "Ad", "postcode": None, "email": None, "address_line": "Street Sample"},
    ],
)
def test_a_record_with_several_errors_still_shares_a_key(changes: dict[str, Any]) -> None:
    index = BlockingIndex()
    index.put("A1", [features_of(ADA)])
    assert index.candidates(features_of(replace(ADA, resident_id=None, **changes))) == {"A1"}


def test_a_crowded_block_is_skipped_unless_nothing_else_is_found() -> None:
    index = BlockingIndex(max_block=2)
    smiths = [Record("John", "Smith", resident_id=f"S{i}") for i in range(3)]
    for smith in smiths:
        index.put(smith.resident_id or "", [features_of(smith)])
    index.put("S9", [features_of(replace(smiths[0], date_of_birth=date(1970, 1, 2)))])
    assert index.candidates(features_of(Record("John", "Smith"))) == {"S0", "S1", "S2", "S9"}
    dated = Record("John", "Smith", date_of_birth=date(1970, 1, 2))
    assert index.candidates(features_of(dated)) == {"S9"}


def test_an_indexed_resident_s_own_keys_find_what_its_record_would() -> None:
    index = BlockingIndex()
    others = [replace(ADA, resident_id=f"A{i}", email=None) for i in range(2, 5)]
    for record in (ADA, *others):
        index.put(record.resident_id or "", [features_of(record)])
    assert index.keys("A1") == blocking_keys(features_of(ADA))
    assert (
        index.candidates(features_of(ADA), index.keys("A1"))
        == index.candidates(features_of(ADA))
        == {"A1", "A2", "A3", "A4"}
    )
    with pytest.raises(UnknownResidentError):
        index.keys("nobody")
