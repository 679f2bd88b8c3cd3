"""Passwords: argon2id at RFC 9106's cost, a cheap profile only for test suites."""

from __future__ import annotations

import pytest

from townhall.identity.adapters.passwords import Passwords
from townhall.identity.config import IdentitySettings


@pytest.fixture(scope="module")
def standard() -> Passwords:
    return Passwords()


def test_the_standard_cost_is_rfc_9106_low_memory(standard: Passwords) -> None:
    assert "$argon2id$v=19$m=65536,t=3,p=4$" in standard.hash("correct horse")


def test_a_password_verifies_only_against_its_own_hash(standard: Passwords) -> None:
    stored = standard.hash("correct horse")
    assert standard.verify(stored, "correct horse")
    assert not standard.verify(stored, "battery staple")
    assert not standard.verify("not an argon2 hash", "correct horse")


def test_an_account_without_a_password_never_verifies(standard: Passwords) -> None:
    assert not standard.verify(None, "not a real password")


def test_hashes_verify_whichever_profile_made_them(standard: Passwords) -> None:
    cheap = Passwords("cheapest-for-tests")
    assert standard.verify(cheap.hash("pw-1"), "pw-1")
    assert cheap.verify(standard.hash("pw-2"), "pw-2")


def test_a_council_gets_the_standard_cost_unless_it_says_otherwise() -> None:
    assert IdentitySettings().identity_password_hashing == "standard"
    with pytest.raises(ValueError, match="identity_password_hashing"):
        IdentitySettings(identity_password_hashing="none")  # type: ignore[arg-type]
