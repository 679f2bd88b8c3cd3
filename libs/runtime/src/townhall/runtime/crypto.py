"""Envelope encryption of personal data, so erasure can crypto-shred the event log.

Every resident has a *data key* (32 random bytes) held by identity, stored wrapped
(encrypted) under a *master key*. Personal-data fields of an event are sealed under the
resident's data key into one opaque string; a consumer authorised to read personal
data fetches the key from identity (``GET /residents/{id}/data-key``, scope
``pii:read``) and opens it. Erasing a resident destroys the key, and every sealed blob
about them, in every topic and every copy, becomes unreadable.

AES-256-GCM (``cryptography``), a fresh 96-bit nonce per seal. The associated data
binds a blob to its resident and purpose, so a blob copied onto another resident's
event does not open::

    key = generate_key()
    blob = seal({"given_name": "Ada"}, key, context=f"resident/{rid}")
    open_sealed(blob, key, context=f"resident/{rid}")  # {"given_name": "Ada"}

The blob format is ``th1.<base64url(nonce || ciphertext+tag)>``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "KEY_BYTES",
    "DecryptionError",
    "decode_key",
    "encode_key",
    "generate_key",
    "open_sealed",
    "seal",
    "unwrap_key",
    "wrap_key",
]

KEY_BYTES = 32
_NONCE_BYTES = 12
_PREFIX = "th1."
_WRAP_CONTEXT = b"townhall/key-wrap"


class DecryptionError(ValueError):
    """The blob is malformed, was sealed under another key or context, or was altered."""


def generate_key() -> bytes:
    """A fresh random AES-256 key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def encode_key(key: bytes) -> str:
    """A key as unpadded base64url text (for settings files and JSON)."""
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")


def decode_key(text: str) -> bytes:
    """The inverse of :func:`encode_key`; raises ValueError unless it is a 32-byte key."""
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a base64url-encoded key") from exc
    if len(key) != KEY_BYTES:
        raise ValueError(f"a key must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def _encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _decrypt(key: bytes, data: bytes, aad: bytes) -> bytes:
    if len(key) != KEY_BYTES or len(data) <= _NONCE_BYTES:
        raise DecryptionError("cannot decrypt")
    try:
        return AESGCM(key).decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise DecryptionError("cannot decrypt: wrong key, wrong context or altered") from exc


def seal(fields: Mapping[str, Any], key: bytes, *, context: str) -> str:
    """Encrypt JSON-serialisable ``fields`` under ``key``, bound to ``context``."""
    plaintext = json.dumps(dict(fields), separators=(",", ":"), sort_keys=True, default=str)
    data = _encrypt(key, plaintext.encode("utf-8"), context.encode("utf-8"))
    return _PREFIX + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def open_sealed(blob: str, key: bytes, *, context: str) -> dict[str, Any]:
    """Decrypt a blob made by :func:`seal`; raises :class:`DecryptionError`."""
    if not blob.startswith(_PREFIX):
        raise DecryptionError("not a sealed blob")
    body = blob[len(_PREFIX) :]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("not a sealed blob") from exc
    fields = json.loads(_decrypt(key, data, context.encode("utf-8")))
    if not isinstance(fields, dict):
        raise DecryptionError("sealed content is not an object")
    return fields


def wrap_key(key: bytes, master_key: bytes) -> bytes:
    """Encrypt a data or signing key under the master key, for storage at rest."""
    return _encrypt(master_key, key, _WRAP_CONTEXT)


def unwrap_key(wrapped: bytes, master_key: bytes) -> bytes:
    """The inverse of :func:`wrap_key`; raises :class:`DecryptionError`."""
    return _decrypt(master_key, wrapped, _WRAP_CONTEXT)
