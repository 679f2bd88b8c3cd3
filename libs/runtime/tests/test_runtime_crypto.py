"""Sealing personal data under a per-resident key, and crypto-shredding it."""

from __future__ import annotations

import pytest

from townhall.runtime.crypto import (
    DecryptionError,
    decode_key,
    encode_key,
    generate_key,
    open_sealed,
    seal,
    unwrap_key,
    wrap_key,
)


def test_sealed_fields_open_with_the_same_key_and_context() -> None:
    key = generate_key()
    blob = seal({"given_name": "Ada", "age": 36}, key, context="resident/1")
    assert "Ada" not in blob
    assert open_sealed(blob, key, context="resident/1") == {"given_name": "Ada", "age": 36}


def test_sealing_twice_gives_different_blobs() -> None:
    key = generate_key()
    assert seal({"a": 1}, key, context="c") != seal({"a": 1}, key, context="c")


def test_a_blob_does_not_open_under_another_key() -> None:
    blob = seal({"a": 1}, generate_key(), context="resident/1")
    with pytest.raises(DecryptionError):
        open_sealed(blob, generate_key(), context="resident/1")


def test_a_blob_moved_to_another_resident_does_not_open() -> None:
    key = generate_key()
    blob = seal({"a": 1}, key, context="resident/1")
    with pytest.raises(DecryptionError):
        open_sealed(blob, key, context="resident/2")


@pytest.mark.parametrize("blob", ["", "th1.", "th1.!!!", "plain text", "th1.AAAAAAAAAAAAAAAAAAAA"])
def test_malformed_blobs_are_refused(blob: str) -> None:
    with pytest.raises(DecryptionError):
        open_sealed(blob, generate_key(), context="c")


def test_a_tampered_blob_is_refused() -> None:
    key = generate_key()
    blob = seal({"a": 1}, key, context="c")
    tampered = blob[:-2] + ("A" if blob[-2] != "A" else "B") + blob[-1]
    with pytest.raises(DecryptionError):
        open_sealed(tampered, key, context="c")


def test_wrapped_keys_unwrap_only_with_the_master_key() -> None:
    master, data_key = generate_key(), generate_key()
    wrapped = wrap_key(data_key, master)
    assert data_key not in wrapped
    assert unwrap_key(wrapped, master) == data_key
    with pytest.raises(DecryptionError):
        unwrap_key(wrapped, generate_key())


def test_keys_round_trip_as_text_and_bad_text_is_refused() -> None:
    key = generate_key()
    assert decode_key(encode_key(key)) == key
    for bad in ["", "short", "%%%%", encode_key(b"x" * 16)]:
        with pytest.raises(ValueError):
            decode_key(bad)
