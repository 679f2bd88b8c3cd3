"""Opaque page cursors for the work queue.

A cursor is where the last page ended (its last case's sort key and id), bound to the
query it came from: the sort and a fingerprint of the filters. It carries no
authority, since the permission is in every query whatever the cursor says, so it is
not encrypted; but it is checked: one that was edited, truncated, or comes from a
different query is refused (400), never read as some other position.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from townhall.cases.domain.queue import After
from townhall.runtime.problems import BadRequest, FieldError

VERSION = 1
_CHECK_BYTES = 8


class BadCursorError(BadRequest):
    type_ = "https://townhall.example/problems/bad-cursor"

    def __init__(self, why: str):
        field = FieldError(loc=["query", "cursor"], msg=why)
        super().__init__(
            f"cursor: {why}; start again from the first page",
            title="Bad cursor",
            extensions={"errors": [field.model_dump()]},
        )


def fingerprint(query: dict[str, Any]) -> str:
    """A short digest of a query's filters and sort (what a cursor is bound to); the
    order in which a parameter's values were given does not matter."""
    values = {k: sorted(map(str, v)) if isinstance(v, list) else v for k, v in query.items()}
    canonical = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _check(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()[:_CHECK_BYTES]


def encode(after: After, query: str) -> str:
    payload = {"v": VERSION, "q": query, "k": after.key.isoformat(), "i": str(after.case_id)}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_check(raw) + raw).rstrip(b"=").decode()


def decode(cursor: str, query: str) -> After:
    """Where the page before ended; :class:`BadCursorError` unless ``cursor`` is one
    this service made for this ``query``."""
    try:
        blob = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise BadCursorError("not a cursor this service gave") from None
    check, raw = blob[:_CHECK_BYTES], blob[_CHECK_BYTES:]
    if len(check) != _CHECK_BYTES or check != _check(raw):
        raise BadCursorError("not a cursor this service gave")
    try:
        payload = json.loads(raw)
        version, bound = payload["v"], payload["q"]
        after = After(datetime.fromisoformat(payload["k"]), UUID(payload["i"]))
    except (ValueError, KeyError, TypeError):
        raise BadCursorError("not a cursor this service gave") from None
    if version != VERSION:
        raise BadCursorError("from an older version of the queue")
    if bound != query or after.key.tzinfo is None:
        raise BadCursorError("from a different query (filters or sort changed)")
    return after
