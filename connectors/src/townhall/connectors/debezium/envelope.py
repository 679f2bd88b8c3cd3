"""Debezium's change-event envelope, as its current (2.x/3.x) MySQL, MariaDB and PostgreSQL
connectors write it with the JSON converter, built from one row change. Pure: no I/O.

A change is one record: key = the row's primary key, value = ``{before, after, source, op,
ts_ms, ts_us, ts_ns, transaction}``; with ``schemas`` both are wrapped as the converter's
``{"schema": …, "payload": …}``. A delete is followed by a tombstone (same key, null
value) so a compacted topic can forget the row.

Where Townhall differs from Debezium (the README repeats this):
* the topic is ``legacy.<system>.<table>`` (Debezium: ``<prefix>.<db>.<table>`` or
  ``<prefix>.<schema>.<table>``), and schema names follow it (``legacy.<system>.<table>.Value``);
* ``source.name`` is the system, ``source.version`` names Townhall's connector;
* ``transaction`` is always null (Debezium's transaction metadata is off by default too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

from townhall.connectors.debezium.types import Column, encode, inferred_column

VERSION = "townhall-connectors-0.1.0"
Op = Literal["c", "u", "d", "r"]
T = TypeVar("T")
Connector = Literal["mysql", "mariadb", "postgresql"]
#: ``source.snapshot`` in current versions: a string enum; "false" outside a snapshot.
SNAPSHOT_VALUES = (
    "true",
    "first",
    "first_in_data_collection",
    "last_in_data_collection",
    "last",
    "false",
    "incremental",
)
_NAME = re.compile(r"[^a-z0-9_]")


def topic_part(name: str) -> str:
    """A system or table name as it appears in ``legacy.<system>.<table>``."""
    return _NAME.sub("_", name.lower())


@dataclass(frozen=True)
class Table:
    """A captured table: where it lives, its columns in order and its primary key."""

    system: str
    connector: Connector
    db: str
    schema: str | None
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def topic(self) -> str:
        return f"legacy.{topic_part(self.system)}.{topic_part(self.name)}"

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name}")

    def row(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Every column of the row, encoded; a column the table does not have is refused."""
        unknown = set(values) - {column.name for column in self.columns}
        if unknown:
            raise KeyError(f"{self.name} has no column {', '.join(sorted(unknown))}")
        return {column.name: encode(column, values.get(column.name)) for column in self.columns}

    def unknown(self, values: Mapping[str, Any] | None) -> set[str]:
        """The columns in ``values`` this table does not have (a schema changed since)."""
        return set(values or ()) - {column.name for column in self.columns}

    def widened(self, values: Mapping[str, Any]) -> Table:
        """This table with a column, typed from its value, for each one it lacks."""
        extra = [inferred_column(name, values[name]) for name in sorted(self.unknown(values))]
        return replace(self, columns=(*self.columns, *extra)) if extra else self

    def key_of(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {name: row[name] for name in self.key}


@dataclass(frozen=True)
class Source:
    """Where one change came from: ``position`` holds the connector's own fields (MySQL:
    server_id, gtid, file, pos, row, thread, query; PostgreSQL: txId, lsn, xmin)."""

    ts_ms: int
    snapshot: str
    position: Mapping[str, Any]
    sequence: str | None = None

    def payload(self, table: Table) -> dict[str, Any]:
        block: dict[str, Any] = {
            "version": VERSION,
            "connector": table.connector,
            "name": table.system,
            "ts_ms": self.ts_ms,
            "ts_us": self.ts_ms * 1000,
            "ts_ns": self.ts_ms * 1_000_000,
            "snapshot": self.snapshot,
            "db": table.db,
            "sequence": self.sequence,
        }
        if table.connector == "postgresql":
            block["schema"] = table.schema
        block["table"] = table.name
        block.update(self.position)
        return block


@dataclass(frozen=True)
class Change:
    """One row change. ``before``/``after`` hold values as the database gave them."""

    table: Table
    op: Op
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    source: Source
    ts_ns: int

    def payload(self) -> dict[str, Any]:
        return {
            "before": None if self.before is None else self.table.row(self.before),
            "after": None if self.after is None else self.table.row(self.after),
            "source": self.source.payload(self.table),
            "transaction": None,
            "op": self.op,
            "ts_ms": self.ts_ns // 1_000_000,
            "ts_us": self.ts_ns // 1000,
            "ts_ns": self.ts_ns,
        }

    def key(self) -> dict[str, Any]:
        row = self.after if self.after is not None else self.before
        assert row is not None, "a change has a row before or after it"
        return self.table.key_of(self.table.row(row))


@dataclass(frozen=True)
class Record:
    """One Kafka record: the topic, the JSON key and value (None for a tombstone)."""

    topic: str
    key: bytes
    value: bytes | None


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def records(change: Change, *, schemas: bool = False) -> list[Record]:
    """The records Debezium writes for ``change``: the event, and a tombstone after a delete."""
    key: dict[str, Any] = change.key()
    value: dict[str, Any] = change.payload()
    if schemas:
        key = {"schema": key_schema(change.table), "payload": key}
        value = {"schema": value_schema(change.table), "payload": value}
    topic, encoded_key = change.table.topic, _json(key)
    out = [Record(topic, encoded_key, _json(value))]
    if change.op == "d":
        out.append(Record(topic, encoded_key, None))
    return out


def snapshot_marker(*, first_table: bool, last_table: bool, first_row: bool, last_row: bool) -> str:
    """``source.snapshot`` for one row of an initial snapshot, as Debezium marks it."""
    if last_table and last_row:
        return "last"
    if first_table and first_row:
        return "first"
    if first_row:
        return "first_in_data_collection"
    if last_row:
        return "last_in_data_collection"
    return "true"


def with_ends(rows: Iterator[T]) -> Iterator[tuple[T, bool, bool]]:
    """Each row of a snapshot with whether it is its table's first and whether its last."""
    previous: T | None = None
    first = True
    for row in rows:
        if previous is not None:
            yield previous, first, False
            first = False
        previous = row
    if previous is not None:
        yield previous, first, True


# --- the JSON converter's schemas ---------------------------------------------------------


def _field(kind: str, field: str, optional: bool, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "optional": optional, **extra, "field": field}


def key_schema(table: Table) -> dict[str, Any]:
    fields = [table.column(name) for name in table.key]
    return {
        "type": "struct",
        "fields": [
            {**column.schema(), "optional": False, "field": column.name} for column in fields
        ],
        "optional": False,
        "name": f"{table.topic}.Key",
    }


def _row_schema(table: Table, name: str) -> dict[str, Any]:
    return {
        "type": "struct",
        "fields": [column.schema() for column in table.columns],
        "optional": True,
        "name": f"{table.topic}.Value",
        "field": name,
    }


def _source_schema(table: Table) -> dict[str, Any]:
    allowed = ",".join(SNAPSHOT_VALUES)
    fields = [
        _field("string", "version", False),
        _field("string", "connector", False),
        _field("string", "name", False),
        _field("int64", "ts_ms", False),
        _field("int64", "ts_us", True),
        _field("int64", "ts_ns", True),
        _field(
            "string",
            "snapshot",
            True,
            name="io.debezium.data.Enum",
            version=1,
            parameters={"allowed": allowed},
            default="false",
        ),
        _field("string", "db", False),
        _field("string", "sequence", True),
    ]
    if table.connector == "postgresql":
        fields += [
            _field("string", "schema", False),
            _field("string", "table", False),
            _field("int64", "txId", True),
            _field("int64", "lsn", True),
            _field("int64", "xmin", True),
        ]
    else:
        fields += [
            _field("string", "table", True),
            _field("int64", "server_id", False),
            _field("string", "gtid", True),
            _field("string", "file", False),
            _field("int64", "pos", False),
            _field("int32", "row", False),
            _field("int64", "thread", True),
            _field("string", "query", True),
        ]
    return {
        "type": "struct",
        "fields": fields,
        "optional": False,
        "name": f"io.debezium.connector.{table.connector}.Source",
        "field": "source",
    }


def _transaction_schema() -> dict[str, Any]:
    return {
        "type": "struct",
        "fields": [
            _field("string", "id", False),
            _field("int64", "total_order", False),
            _field("int64", "data_collection_order", False),
        ],
        "optional": True,
        "name": "event.block",
        "version": 1,
        "field": "transaction",
    }


def value_schema(table: Table) -> dict[str, Any]:
    return {
        "type": "struct",
        "fields": [
            _row_schema(table, "before"),
            _row_schema(table, "after"),
            _source_schema(table),
            _transaction_schema(),
            _field("string", "op", False),
            _field("int64", "ts_ms", True),
            _field("int64", "ts_us", True),
            _field("int64", "ts_ns", True),
        ],
        "optional": False,
        "name": f"{table.topic}.Envelope",
        "version": 2,
    }
