"""Column types as Debezium maps them, and values encoded as its JSON converter writes them.

Debezium's defaults: ``decimal.handling.mode=precise`` (a DECIMAL/NUMERIC is Kafka
Connect's ``Decimal``: the unscaled value as big-endian two's-complement bytes, which
the JSON converter writes in base64), ``time.precision.mode=adaptive_time_microseconds``
(MySQL) and ``adaptive`` (PostgreSQL), ``binary.handling.mode=bytes`` (base64 in JSON).

| source type | Kafka Connect type | semantic type | JSON value |
| --- | --- | --- | --- |
| DATE | int32 | io.debezium.time.Date | days since 1970-01-01 |
| DATETIME(0-3), timestamp(0-3) | int64 | io.debezium.time.Timestamp | ms since epoch |
| DATETIME(4-6), timestamp(4-6) | int64 | io.debezium.time.MicroTimestamp | µs since epoch |
| TIMESTAMP (MySQL), timestamptz | string | io.debezium.time.ZonedTimestamp | ISO 8601, UTC (Z) |
| TIME | int64 | io.debezium.time.MicroTime | µs since midnight |
| DECIMAL(p,s), numeric(p,s) | bytes | org.apache.kafka.connect.data.Decimal | base64 |
| numeric (no scale) | struct | io.debezium.data.VariableScaleDecimal | {scale, value: base64} |
| BOOLEAN (PostgreSQL), BIT(1) | boolean | | true/false |
| BIT(n), n > 1 (MySQL) | bytes | io.debezium.data.Bits (length n) | base64, little-endian |
| SET (MySQL) | string | io.debezium.data.EnumSet | the members, comma-separated |
| interval (PostgreSQL) | int64 | io.debezium.time.MicroDuration | µs, a month as 365.25/12 days |
| TINYINT(1) (MySQL BOOLEAN) | int16 | | 0/1, as Debezium does without a converter |
| JSON, json, jsonb | string | io.debezium.data.Json | the JSON text |
| ENUM | string | io.debezium.data.Enum | the label |
| uuid | string | io.debezium.data.Uuid | text |
| YEAR | int32 | io.debezium.time.Year | the year |
| BLOB, BINARY, bytea | bytes | | base64 |
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
EPOCH_DATE = dt.date(1970, 1, 1)

DATE = "io.debezium.time.Date"
TIMESTAMP = "io.debezium.time.Timestamp"
MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp"
ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp"
MICRO_TIME = "io.debezium.time.MicroTime"
DECIMAL = "org.apache.kafka.connect.data.Decimal"
JSON = "io.debezium.data.Json"
ENUM = "io.debezium.data.Enum"
UUID = "io.debezium.data.Uuid"
YEAR = "io.debezium.time.Year"
VARIABLE_SCALE_DECIMAL = "io.debezium.data.VariableScaleDecimal"
BITS = "io.debezium.data.Bits"
ENUM_SET = "io.debezium.data.EnumSet"
MICRO_DURATION = "io.debezium.time.MicroDuration"
#: Debezium's MicroDuration counts a month as the average Gregorian month.
DAYS_PER_MONTH = 365.25 / 12


class UnsupportedValueError(ValueError):
    """A value does not fit its column's type (e.g. a schema change mid-stream)."""


@dataclass(frozen=True)
class Column:
    """One column as a Kafka Connect field: ``type`` is the JSON converter's type name."""

    name: str
    type: str
    optional: bool = True
    semantic: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)

    def schema(self) -> dict[str, Any]:
        described: dict[str, Any] = {"type": self.type, "optional": self.optional}
        if self.semantic:
            described["name"] = self.semantic
            if self.semantic in (DECIMAL, DATE, TIMESTAMP, MICRO_TIMESTAMP, MICRO_TIME):
                described["version"] = 1
        if self.semantic == VARIABLE_SCALE_DECIMAL:
            described["version"] = 1
            described["doc"] = "Variable scaled decimal"
            described["fields"] = [
                {"type": "int32", "optional": False, "field": "scale"},
                {"type": "bytes", "optional": False, "field": "value"},
            ]
        if self.semantic == BITS:
            described["version"] = 1
        if self.parameters:
            described["parameters"] = dict(self.parameters)
        described["field"] = self.name
        return described


def _precision(value: int | None, default: int) -> int:
    return default if value is None else value


def _temporal(name: str, fraction: int, optional: bool) -> Column:
    if fraction <= 3:
        return Column(name, "int64", optional, TIMESTAMP)
    return Column(name, "int64", optional, MICRO_TIMESTAMP)


def _decimal(name: str, precision: int | None, scale: int | None, optional: bool) -> Column:
    parameters = {"scale": str(scale or 0)}
    if precision is not None:
        parameters["connect.decimal.precision"] = str(precision)
    return Column(name, "bytes", optional, DECIMAL, parameters)


_MYSQL_SIMPLE: dict[str, str] = {
    "smallint": "int16",
    "mediumint": "int32",
    "int": "int32",
    "integer": "int32",
    "bigint": "int64",
    "float": "float",
    "double": "double",
    "real": "double",
    "char": "string",
    "varchar": "string",
    "tinytext": "string",
    "text": "string",
    "mediumtext": "string",
    "longtext": "string",
    "binary": "bytes",
    "varbinary": "bytes",
    "tinyblob": "bytes",
    "blob": "bytes",
    "mediumblob": "bytes",
    "longblob": "bytes",
}


def mysql_column(
    name: str,
    data_type: str,
    column_type: str,
    *,
    nullable: bool,
    precision: int | None = None,
    scale: int | None = None,
    fraction: int | None = None,
) -> Column:
    """A MySQL/MariaDB column from information_schema.COLUMNS as Debezium maps it."""
    kind, unsigned = data_type.lower(), "unsigned" in column_type.lower()
    if kind == "tinyint":
        return Column(name, "int16", nullable)
    if kind in ("int", "integer") and unsigned:
        return Column(name, "int64", nullable)
    if kind == "smallint" and unsigned:
        return Column(name, "int32", nullable)
    if kind in _MYSQL_SIMPLE:
        return Column(name, _MYSQL_SIMPLE[kind], nullable)
    if kind == "bit":
        length = int(column_type[column_type.index("(") + 1 : column_type.index(")")])
        if length == 1:
            return Column(name, "boolean", nullable)
        return Column(name, "bytes", nullable, BITS, {"length": str(length)})
    if kind == "set":
        allowed = column_type[column_type.index("(") + 1 : column_type.rindex(")")]
        labels = ",".join(label.strip().strip("'") for label in allowed.split(","))
        return Column(name, "string", nullable, ENUM_SET, {"allowed": labels})
    if kind in ("decimal", "numeric"):
        return _decimal(name, precision, scale, nullable)
    if kind == "date":
        return Column(name, "int32", nullable, DATE)
    if kind == "datetime":
        return _temporal(name, _precision(fraction, 0), nullable)
    if kind == "timestamp":
        return Column(name, "string", nullable, ZONED_TIMESTAMP)
    if kind == "time":
        return Column(name, "int64", nullable, MICRO_TIME)
    if kind == "year":
        return Column(name, "int32", nullable, YEAR)
    if kind == "json":
        return Column(name, "string", nullable, JSON)
    if kind == "enum":
        allowed = column_type[column_type.index("(") + 1 : column_type.rindex(")")]
        labels = ",".join(label.strip().strip("'") for label in allowed.split(","))
        return Column(name, "string", nullable, ENUM, {"allowed": labels})
    return Column(name, "string", nullable)


_PG_SIMPLE: dict[str, str] = {
    "boolean": "boolean",
    "smallint": "int16",
    "integer": "int32",
    "bigint": "int64",
    "real": "float",
    "double precision": "double",
    "text": "string",
    "character varying": "string",
    "character": "string",
    "bytea": "bytes",
}


def postgres_column(
    name: str,
    data_type: str,
    *,
    nullable: bool,
    precision: int | None = None,
    scale: int | None = None,
    fraction: int | None = None,
) -> Column:
    """A PostgreSQL column from information_schema.columns as Debezium maps it."""
    kind = data_type.lower()
    if kind in _PG_SIMPLE:
        return Column(name, _PG_SIMPLE[kind], nullable)
    if kind == "numeric" and scale is None:  # numeric with no declared scale
        return Column(name, "struct", nullable, VARIABLE_SCALE_DECIMAL)
    if kind == "numeric":
        return _decimal(name, precision, scale, nullable)
    if kind == "date":
        return Column(name, "int32", nullable, DATE)
    if kind == "interval":
        return Column(name, "int64", nullable, MICRO_DURATION)
    if kind == "timestamp without time zone":
        return _temporal(name, _precision(fraction, 6), nullable)
    if kind == "timestamp with time zone":
        return Column(name, "string", nullable, ZONED_TIMESTAMP)
    if kind in ("time without time zone", "time"):
        return Column(name, "int64", nullable, MICRO_TIME)
    if kind in ("json", "jsonb"):
        return Column(name, "string", nullable, JSON)
    if kind == "uuid":
        return Column(name, "string", nullable, UUID)
    return Column(name, "string", nullable)


def inferred_column(name: str, value: Any) -> Column:
    """A column known only from a value: one the binary log has but the table no longer
    has (dropped since). Townhall keeps no schema history, so its type is read off the
    value; Debezium would take it from its schema history topic."""
    if isinstance(value, bool):
        return Column(name, "boolean")
    if isinstance(value, int):
        return Column(name, "int64")
    if isinstance(value, float):
        return Column(name, "double")
    if isinstance(value, dt.datetime):
        return Column(name, "int64", True, MICRO_TIMESTAMP)
    if isinstance(value, dt.date):
        return Column(name, "int32", True, DATE)
    if isinstance(value, bytes):
        return Column(name, "bytes")
    return Column(name, "string")


def _utc(value: dt.datetime) -> dt.datetime:
    """Naive datetimes are read in UTC (the connector's sessions run with time zone UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _micros(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _unscaled(value: Decimal, scale: int) -> bytes:
    unscaled = int(value.scaleb(scale).to_integral_value())
    length = max(1, (unscaled.bit_length() + 8) // 8)
    return unscaled.to_bytes(length, "big", signed=True)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _encode_semantic(column: Column, value: Any) -> Any:
    semantic = column.semantic
    if semantic == DATE:
        return (value - EPOCH_DATE).days
    if semantic == TIMESTAMP:
        return _micros(_utc(value) - EPOCH) // 1000
    if semantic == MICRO_TIMESTAMP:
        return _micros(_utc(value) - EPOCH)
    if semantic == ZONED_TIMESTAMP:
        return _utc(value).isoformat().replace("+00:00", "Z")
    if semantic == MICRO_TIME:
        if isinstance(value, dt.time):
            value = dt.datetime.combine(EPOCH_DATE, value) - dt.datetime.combine(
                EPOCH_DATE, dt.time()
            )
        return _micros(value)
    if semantic == DECIMAL:
        return _b64(_unscaled(Decimal(value), int(column.parameters["scale"])))
    if semantic == JSON:
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if semantic == VARIABLE_SCALE_DECIMAL:
        number = Decimal(value)
        exponent = number.as_tuple().exponent
        scale = max(0, -exponent) if isinstance(exponent, int) else 0
        return {"scale": scale, "value": _b64(_unscaled(number, scale))}
    if semantic == BITS:
        length = int(column.parameters["length"])
        bits = int(value, 2) if isinstance(value, str) else int.from_bytes(bytes(value), "big")
        return _b64(bits.to_bytes((length + 7) // 8, "little"))
    if semantic == ENUM_SET:
        members = value.split(",") if isinstance(value, str) else list(value)
        order = column.parameters["allowed"].split(",")
        chosen = {member for member in members if member}
        return ",".join(label for label in order if label in chosen)
    if semantic == MICRO_DURATION:
        return _duration_micros(value)
    return None


_INTERVAL_UNITS = {
    "year": 12 * DAYS_PER_MONTH * 86_400_000_000,
    "mon": DAYS_PER_MONTH * 86_400_000_000,
    "day": 86_400_000_000,
}


def _duration_micros(value: Any) -> int:
    """A PostgreSQL interval as Debezium's MicroDuration: from its text output
    (``1 year 2 mons 3 days 04:05:06.5``, IntervalStyle postgres) or a timedelta."""
    if isinstance(value, dt.timedelta):
        return _micros(value)
    total = 0.0
    tokens = str(value).split()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if ":" in token:
            sign = -1 if token.startswith("-") else 1
            hours, minutes, seconds = token.lstrip("+-").split(":")
            total += sign * ((int(hours) * 60 + int(minutes)) * 60 + float(seconds)) * 1e6
            index += 1
            continue
        unit = tokens[index + 1].rstrip("s")
        total += int(token) * _INTERVAL_UNITS[unit]
        index += 2
    return round(total)


def encode(column: Column, value: Any) -> Any:
    """``value`` as read from the database, written as Debezium's JSON converter would."""
    if value is None:
        return None
    try:
        if column.semantic and column.semantic not in (ENUM, UUID, YEAR):
            return _encode_semantic(column, value)
        if column.type == "bytes":
            return _b64(bytes(value))
        if column.type == "boolean":
            return bool(int.from_bytes(value, "big")) if isinstance(value, bytes) else bool(value)
        if column.type.startswith("int"):
            return int(value)
        if column.type in ("float", "double"):
            return float(value)
        if isinstance(value, bytes):
            return value.decode("utf-8")
        return str(value)
    except (TypeError, ValueError, AttributeError, KeyError) as error:
        raise UnsupportedValueError(
            f"column {column.name} ({column.type} {column.semantic or ''}) "
            f"cannot hold {type(value).__name__}: {error}"
        ) from error


def decode_decimal(encoded: str, scale: int) -> Decimal:
    """The inverse of the Decimal encoding, for consumers and tests."""
    unscaled = int.from_bytes(base64.b64decode(encoded), "big", signed=True)
    return Decimal(unscaled).scaleb(-scale)
