"""A linkage Record holds what councils' systems hold, in one normal form, and refuses
what no system could mean, naming the field."""

from datetime import date

import pytest

from townhall.identity.linkage import Address, InvalidRecordError, Record


def test_a_title_and_a_surname_are_a_record() -> None:
    record = Record(None, "Smith", title="Mrs")
    assert record.given_name is None
    assert record.family_name == "Smith"


@pytest.mark.parametrize(("written", "normal"), [("Jnr", "jr"), ("JR.", "jr"), ("Senior", "sr"),
                                                 ("snr", "sr"), ("III", "iii")])  # fmt: skip
def test_generation_suffixes_are_normalised(written: str, normal: str) -> None:
    assert Record("John", "Smith", suffix=written).suffix == normal


def test_ni_numbers_are_normalised() -> None:
    assert Record("Ann", "Lee", ni_number="qq 12 34 56 c").ni_number == "QQ123456C"


def test_every_address_is_kept_current_first_and_empty_ones_left_out() -> None:
    old = Address(postcode="ZX1 1AA", house_number="4", address_line="Elm Road",
                  until=date(2020, 1, 1))  # fmt: skip
    record = Record("Ann", "Lee", postcode="ZX2 2BB", flat="2", house_name="Rowan Court",
                    previous_addresses=(old, Address()))  # fmt: skip
    assert [a.postcode for a in record.addresses] == ["ZX2 2BB", "ZX1 1AA"]
    assert record.addresses[0].flat == "2"


def test_contacts_gather_the_primary_and_the_others() -> None:
    record = Record("Ann", "Lee", phone="07700 900123", other_phones=("0113 496 0000",),
                    other_emails=("ann@example.invalid",))  # fmt: skip
    assert record.phones == ("07700 900123", "0113 496 0000")
    assert record.emails == ("ann@example.invalid",)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"given_name": "", "family_name": "Smith"}, "given_name"),
        ({"given_name": "Ann", "family_name": "  "}, "family_name"),
        ({"given_name": "Ann", "family_name": "Lee", "ni_number": "AB12"}, "ni_number"),
        ({"given_name": "Ann", "family_name": "Lee", "ni_number": "TN123456A"}, "ni_number"),
        ({"given_name": "Ann", "family_name": "Lee", "suffix": "the third"}, "suffix"),
        ({"given_name": "Ann", "family_name": "Lee", "initials": "J-4"}, "initials"),
        ({"given_name": "Ann", "family_name": "Lee", "middle_names": ("",)}, "middle_names"),
        ({"given_name": "Ann", "family_name": "Lee", "title": "."}, "title"),
        ({"given_name": "Ann", "family_name": "Lee", "date_of_birth": date(1850, 1, 1)},
         "date_of_birth"),
        ({"given_name": "Ann", "family_name": "Lee", "phone": "12"}, "phone"),
        ({"given_name": "Ann", "family_name": "Lee", "other_emails": ("nope",)}, "email"),
    ],
)  # fmt: skip
def test_bad_fields_are_refused_naming_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRecordError) as refused:
        Record(**fields)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_former_address_is_checked_like_the_current_one() -> None:
    with pytest.raises(InvalidRecordError) as refused:
        Address(postcode="ZX1 1AA", uprn="12ab")
    assert refused.value.field == "uprn"
