"""The master keys that wrap signing keys and residents' data keys at rest.

New wraps always use the *current* key; *previous* keys only unwrap, so the service
keeps reading rows while ``rewrap-keys`` moves them to the current key. Each row records
the :func:`key_id` of the key that wrapped it: a short fingerprint (an HMAC of a fixed
label under the key) that names a key without revealing anything about it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from townhall.runtime.crypto import DecryptionError, unwrap_key, wrap_key


def key_id(master_key: bytes) -> str:
    return hmac.new(master_key, b"townhall/master-key-id", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class MasterKeys:
    current: bytes
    previous: tuple[bytes, ...] = ()

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(key_id(key) for key in self.all())

    def all(self) -> tuple[bytes, ...]:
        """Current first, then previous keys, each once."""
        return tuple(dict.fromkeys((self.current, *self.previous)))

    def wrap(self, key: bytes) -> tuple[bytes, str]:
        """``key`` wrapped under the current master key, and that key's id."""
        return wrap_key(key, self.current), self.current_id

    def unwrap(self, wrapped: bytes, wrapped_by: str | None) -> bytes:
        """Open a wrapped key with the master key named by ``wrapped_by`` (any
        configured key when the row does not say); raises DecryptionError."""
        candidates = [k for k in self.all() if wrapped_by is None or key_id(k) == wrapped_by]
        for master_key in candidates:
            try:
                return unwrap_key(wrapped, master_key)
            except DecryptionError:
                continue
        named = f"master key {wrapped_by}" if wrapped_by else "an unrecorded master key"
        raise DecryptionError(f"wrapped under {named}, which no configured master key opens")
