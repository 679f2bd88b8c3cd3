"""What a PostgreSQL source is, its captured tables, and values read from their text form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg2
import psycopg2.extensions

from townhall.connectors.debezium.envelope import Table
from townhall.connectors.debezium.types import postgres_column
from townhall.connectors.errors import SourceError
from townhall.connectors.postgres.pgoutput import UNCHANGED

#: What Debezium writes for an unchanged TOASTed value PostgreSQL did not send.
UNAVAILABLE = "__debezium_unavailable_value"


@dataclass(frozen=True)
class PostgresSource:
    """One legacy PostgreSQL database to capture through a publication and a slot."""

    system: str
    dsn: str
    tables: tuple[str, ...]
    schema: str = "public"

    @property
    def slot(self) -> str:
        return f"townhall_{self.system}"

    @property
    def publication(self) -> str:
        return f"townhall_{self.system}"


#: Intervals read as PostgreSQL writes them, in the snapshot as in the stream: psycopg2
#: would count a month as 30 days, Debezium as 365.25/12 (types.MICRO_DURATION).
_INTERVAL_AS_TEXT = psycopg2.extensions.new_type((1186,), "INTERVAL_AS_TEXT", lambda v, _: v)


def connect(source: PostgresSource, **kwargs: Any) -> psycopg2.extensions.connection:
    """A session reading times in UTC, so timestamptz text is always in UTC."""
    connection = psycopg2.connect(source.dsn, options="-c TimeZone=UTC", **kwargs)
    psycopg2.extensions.register_type(_INTERVAL_AS_TEXT, connection)
    return connection


_COLUMNS = """
SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.numeric_precision,
       c.numeric_scale, c.datetime_precision
FROM information_schema.columns c
WHERE c.table_schema = %s AND c.table_name = ANY(%s) ORDER BY c.table_name, c.ordinal_position
"""
_KEYS = """
SELECT t.relname, a.attname FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE i.indisprimary AND n.nspname = %s AND t.relname = ANY(%s) ORDER BY t.relname, k.ord
"""


@dataclass(frozen=True)
class Captured:
    """A captured table with each column's PostgreSQL type, to read its text values."""

    table: Table
    kinds: Mapping[str, str]

    def parse(self, names: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
        """A row from the stream (text values), with Python values by column name."""
        return {
            name: UNAVAILABLE if value is UNCHANGED else parse(self.kinds.get(name, "text"), value)
            for name, value in zip(names, values, strict=False)
        }


def load_tables(
    connection: psycopg2.extensions.connection, source: PostgresSource, db: str
) -> dict[str, Captured]:
    found: dict[str, list[Any]] = {}
    kinds: dict[str, dict[str, str]] = {}
    keys: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_COLUMNS, (source.schema, list(source.tables)))
        for name, column, data_type, nullable, precision, scale, fraction in cursor.fetchall():
            described = postgres_column(
                column,
                data_type,
                nullable=nullable == "YES",
                precision=precision,
                scale=scale,
                fraction=fraction,
            )
            found.setdefault(name, []).append(described)
            kinds.setdefault(name, {})[column] = data_type
        cursor.execute(_KEYS, (source.schema, list(source.tables)))
        for name, column in cursor.fetchall():
            keys.setdefault(name, []).append(column)
    missing = [table for table in source.tables if table not in found]
    if missing:
        raise SourceError(f"{db}.{source.schema} has no table {', '.join(missing)}")
    return {
        name: Captured(
            Table(
                source.system,
                "postgresql",
                db,
                source.schema,
                name,
                tuple(found[name]),
                tuple(keys.get(name, ())),
            ),
            kinds[name],
        )
        for name in source.tables
    }


def parse(data_type: str, text: Any) -> Any:
    """A value in PostgreSQL's text output as the Python value a driver would give."""
    if not isinstance(text, str):
        return text
    kind = data_type.lower()
    if kind == "boolean":
        return text == "t"
    if kind in ("smallint", "integer", "bigint"):
        return int(text)
    if kind in ("real", "double precision"):
        return float(text)
    if kind == "numeric":
        return Decimal(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind.startswith("timestamp"):
        return dt.datetime.fromisoformat(text)
    if kind.startswith("time"):
        return dt.time.fromisoformat(text)
    if kind == "bytea":
        return bytes.fromhex(text[2:])
    return text  # interval stays text: the encoder reads PostgreSQL's own output
