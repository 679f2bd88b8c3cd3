"""Reading change events as they arrive on a topic, from Townhall's connectors or from a
real Debezium Kafka Connect deployment alike.

Accepted: the JSON converter with or without schemas (``{"schema", "payload"}`` or the
payload alone), ``source.snapshot`` as a boolean (old connectors) or a string, with or
without ``ts_us``/``ts_ns``, ``transaction`` null or present, MySQL/MariaDB and PostgreSQL
``source`` blocks. What cannot be read raises ``UnreadableChangeError`` with the reason, for
the dead-letter topic; a tombstone (null value) is ``None``, not an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

OPS = frozenset({"c", "u", "d", "r"})


class UnreadableChangeError(ValueError):
    """A record that is not a row change event this reader understands; says why."""


@dataclass(frozen=True)
class ChangeEvent:
    """One row change, whichever connector wrote it."""

    op: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    table: str
    db: str | None
    schema: str | None
    snapshot: bool
    ts_ms: int | None
    position: str

    @property
    def row(self) -> Mapping[str, Any]:
        """The row as it is now, or as it was when deleted."""
        row = self.after if self.after is not None else self.before
        assert row is not None
        return row

    @property
    def occurred_at(self) -> datetime | None:
        return None if self.ts_ms is None else datetime.fromtimestamp(self.ts_ms / 1000, UTC)


def _snapshot(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str):
        return value not in ("false", "")
    raise UnreadableChangeError(f"source.snapshot is neither a boolean nor a string: {value!r}")


def _position(source: Mapping[str, Any]) -> str:
    """Where in the source's log the change is: the deduplication key downstream."""
    if source.get("lsn") is not None:
        return f"lsn:{source['lsn']}:{source.get('txId')}"
    if source.get("file") is not None:
        return f"binlog:{source['file']}:{source.get('pos')}:{source.get('row', 0)}"
    raise UnreadableChangeError("source has neither an LSN nor a binlog file and position")


def _row(payload: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    row = payload.get(name)
    if row is not None and not isinstance(row, dict):
        raise UnreadableChangeError(f"{name} is not an object")
    return row


def read_change(value: bytes | None) -> ChangeEvent | None:
    """The change event in a record's value; ``None`` for a tombstone."""
    if value is None:
        return None
    try:
        document = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableChangeError(f"not JSON: {error}") from error
    if isinstance(document, dict) and "schema" in document and "payload" in document:
        document = document["payload"]
        if document is None:
            return None
    return change_from(document)


def change_from(document: Any) -> ChangeEvent:
    """The change event in a decoded value (the JSON converter's payload, or the
    schemaless form)."""
    if not isinstance(document, dict):
        raise UnreadableChangeError("not a JSON object")
    op, source = document.get("op"), document.get("source")
    if op not in OPS:
        raise UnreadableChangeError(f"op is {op!r}, not one of c, u, d, r")
    if not isinstance(source, dict) or not isinstance(source.get("table"), str):
        raise UnreadableChangeError("source.table is missing")
    before, after = _row(document, "before"), _row(document, "after")
    if (op == "d" and before is None) or (op != "d" and after is None):
        raise UnreadableChangeError(f"op {op} without the row it needs")
    ts_ms = source.get("ts_ms", document.get("ts_ms"))
    return ChangeEvent(
        op=op,
        before=before,
        after=after,
        table=source["table"],
        db=source.get("db"),
        schema=source.get("schema"),
        snapshot=_snapshot(source.get("snapshot")),
        ts_ms=int(ts_ms) if isinstance(ts_ms, int | float) else None,
        position=_position(source),
    )
