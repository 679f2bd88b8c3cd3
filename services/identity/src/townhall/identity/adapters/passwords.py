"""Password hashing with argon2id.

``standard`` is argon2-cffi's default, RFC 9106's low-memory profile (64 MiB, three
passes): deliberately slow. ``cheapest-for-tests`` is the library's own profile for test
suites, which hash thousands of passwords; never use it for real accounts. A hash
records its own parameters, so either verifies what the other made.
"""

from __future__ import annotations

from typing import Literal

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

Profile = Literal["standard", "cheapest-for-tests"]
_PROFILES = {"standard": profiles.RFC_9106_LOW_MEMORY, "cheapest-for-tests": profiles.CHEAPEST}


class Passwords:
    def __init__(self, profile: Profile = "standard"):
        self._hasher = PasswordHasher.from_parameters(_PROFILES[profile])
        #: Verified against when the account does not exist, so timing does not reveal it.
        self._dummy = self._hasher.hash("not a real password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            verified = self._hasher.verify(password_hash or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return False
        return verified and password_hash is not None
