"""Normal forms of what residents and legacy systems give: one spelling per value, and
a clear ValueError for what cannot be one."""

import pytest

from townhall.runtime.normal_forms import (
    normalise_email,
    normalise_ni_number,
    normalise_phone,
    normalise_postcode,
    postcode_ending,
)


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("AB123456C", "AB123456C"),
        ("ab 12 34 56 c", "AB123456C"),
        ("AB-12-34-56-C", "AB123456C"),
        ("AB123456", "AB123456"),  # older systems drop the suffix letter
        ("QQ 12 34 56 C", "QQ123456C"),  # HMRC's own example, used by demo data
    ],
)
def test_ni_numbers_are_compacted_and_upper_cased(written: str, normal: str) -> None:
    assert normalise_ni_number(written) == normal


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "AB12345C",  # five digits
        "AB1234567C",  # seven digits
        "AB123456E",  # the suffix is A to D
        "DA123456A",  # D is never a first letter
        "AO123456A",  # O is never a second letter
        "TN123456A",  # a temporary reference, not a number
        "GB123456A",  # never issued
        "ZZ123456A",  # a placeholder
        "12AB3456C",
    ],
)
def test_malformed_or_never_issued_ni_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="National Insurance"):
        normalise_ni_number(bad)


def test_postcodes_get_one_space_before_the_inward_code() -> None:
    assert normalise_postcode(" sw1a1aa ") == "SW1A 1AA"
    with pytest.raises(ValueError, match="postcode"):
        normalise_postcode("SW1A")


def test_phones_fold_the_international_prefix_and_emails_their_case() -> None:
    assert normalise_phone("+44 7700 900123") == "07700900123"
    assert normalise_phone("no digits") is None
    assert normalise_email("  Ann@Example.Invalid ") == "ann@example.invalid"
    assert normalise_email("   ") is None


@pytest.mark.parametrize(
    ("address", "found"),
    [
        ("1 High Street, London n1 2ab", "N1 2AB"),
        ("Flat 2, 10 Downing Street, SW1A2AA.", "SW1A 2AA"),
        ("EX1 1AA", "EX1 1AA"),
        ("Bus stop, High Street", None),
        ("1 High Street, QQ1 1QQ", None),  # shaped like one, but no postcode starts QQ
        ("Unit N1 2AB5", None),
        (None, None),
    ],
)
def test_the_postcode_an_address_ends_with_is_found_in_its_normal_form(
    address: str | None, found: str | None
) -> None:
    assert postcode_ending(address) == found
