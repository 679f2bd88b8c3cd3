"""The envelope is Debezium's: field names, order, op codes, keys, tombstones, types.

The expected shapes are written from Debezium's documentation of the MySQL and
PostgreSQL connectors' change events (the ``customers`` examples), not from our output.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from townhall.connectors.debezium.envelope import (
    Change,
    Source,
    Table,
    records,
    snapshot_marker,
)
from townhall.connectors.debezium.types import (
    UnsupportedValueError,
    decode_decimal,
    encode,
    mysql_column,
    postgres_column,
)

MYSQL_POSITION = {
    "server_id": 223344,
    "gtid": None,
    "file": "mysql-bin.000003",
    "pos": 484,
    "row": 0,
    "thread": 7,
    "query": None,
}


def customers(connector: str = "mariadb") -> Table:
    columns = (
        mysql_column("id", "int", "int(11)", nullable=False),
        mysql_column("first_name", "varchar", "varchar(255)", nullable=False),
        mysql_column("email", "varchar", "varchar(255)", nullable=True),
    )
    return Table("counciltax", connector, "inventory", None, "customers", columns, ("id",))  # type: ignore[arg-type]


def change(op: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> Change:
    source = Source(ts_ms=1_486_500_577_000, snapshot="false", position=MYSQL_POSITION)
    return Change(customers(), op, before, after, source, ts_ns=1_486_500_577_691_000_000)  # type: ignore[arg-type]


def value(record_value: bytes | None) -> dict[str, Any]:
    assert record_value is not None
    decoded: dict[str, Any] = json.loads(record_value)
    return decoded


ANNE = {"id": 1004, "first_name": "Anne", "email": "annek@noanswer.org"}


def test_a_create_event_has_debeziums_fields_in_debeziums_order() -> None:
    [record] = records(change("c", None, ANNE))
    event = value(record.value)
    assert list(event) == [
        "before",
        "after",
        "source",
        "transaction",
        "op",
        "ts_ms",
        "ts_us",
        "ts_ns",
    ]
    assert event["before"] is None and event["after"] == ANNE and event["op"] == "c"
    assert event["ts_ms"] == 1_486_500_577_691 and event["transaction"] is None
    assert list(event["source"]) == [
        "version", "connector", "name", "ts_ms", "ts_us", "ts_ns", "snapshot", "db",
        "sequence", "table", "server_id", "gtid", "file", "pos", "row", "thread", "query",
    ]  # fmt: skip
    assert event["source"]["connector"] == "mariadb" and event["source"]["snapshot"] == "false"
    assert (event["source"]["db"], event["source"]["table"]) == ("inventory", "customers")
    assert (event["source"]["file"], event["source"]["pos"]) == ("mysql-bin.000003", 484)
    assert record.topic == "legacy.counciltax.customers"
    assert json.loads(record.key) == {"id": 1004}


def test_an_update_carries_the_row_before_and_after() -> None:
    after = {**ANNE, "email": "anne@example.org"}
    [record] = records(change("u", ANNE, after))
    event = value(record.value)
    assert (event["before"], event["after"], event["op"]) == (ANNE, after, "u")


def test_a_delete_is_followed_by_a_tombstone_with_the_same_key() -> None:
    deleted, tombstone = records(change("d", ANNE, None))
    event = value(deleted.value)
    assert (event["before"], event["after"], event["op"]) == (ANNE, None, "d")
    assert tombstone.value is None and tombstone.key == deleted.key == b'{"id":1004}'
    assert tombstone.topic == deleted.topic


def test_the_json_converter_form_wraps_key_and_value_with_their_schemas() -> None:
    [record] = records(change("c", None, ANNE), schemas=True)
    key, event = json.loads(record.key), value(record.value)
    assert key["payload"] == {"id": 1004}
    assert key["schema"] == {
        "type": "struct",
        "fields": [{"type": "int32", "optional": False, "field": "id"}],
        "optional": False,
        "name": "legacy.counciltax.customers.Key",
    }
    schema = event["schema"]
    assert schema["name"] == "legacy.counciltax.customers.Envelope"
    assert [f["field"] for f in schema["fields"]] == [
        "before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns",
    ]  # fmt: skip
    before = schema["fields"][0]
    assert before["name"] == "legacy.counciltax.customers.Value" and before["optional"]
    assert [f["field"] for f in before["fields"]] == ["id", "first_name", "email"]
    source = schema["fields"][2]
    assert source["name"] == "io.debezium.connector.mariadb.Source"
    assert [f["field"] for f in source["fields"]] == list(event["payload"]["source"])
    assert event["payload"]["after"] == ANNE


def test_a_postgresql_source_block_names_the_schema_and_the_lsn() -> None:
    table = Table(
        "waste",
        "postgresql",
        "postgres",
        "public",
        "customers",
        (postgres_column("id", "integer", nullable=False),),
        ("id",),
    )
    position = {"txId": 555, "lsn": 24023128, "xmin": None}
    source = Source(ts_ms=1, snapshot="true", position=position, sequence='["24023119","24023128"]')
    [record] = records(Change(table, "r", None, {"id": 1}, source, ts_ns=2_000_000), schemas=True)
    event = value(record.value)
    assert list(event["payload"]["source"]) == [
        "version", "connector", "name", "ts_ms", "ts_us", "ts_ns", "snapshot", "db",
        "sequence", "schema", "table", "txId", "lsn", "xmin",
    ]  # fmt: skip
    assert event["payload"]["source"]["schema"] == "public" and event["payload"]["op"] == "r"
    source_schema = event["schema"]["fields"][2]
    assert [f["field"] for f in source_schema["fields"]] == list(event["payload"]["source"])
    assert record.topic == "legacy.waste.customers"


def test_snapshot_rows_are_marked_first_last_and_per_table_as_debezium_does() -> None:
    def marks(tables: list[int]) -> list[str]:
        out = []
        for t, rows in enumerate(tables):
            for r in range(rows):
                out.append(
                    snapshot_marker(
                        first_table=t == 0,
                        last_table=t == len(tables) - 1,
                        first_row=r == 0,
                        last_row=r == rows - 1,
                    )
                )
        return out

    assert marks([3, 3]) == [
        "first", "true", "last_in_data_collection",
        "first_in_data_collection", "true", "last",
    ]  # fmt: skip


def test_a_row_with_a_column_the_table_does_not_have_is_refused() -> None:
    with pytest.raises(KeyError, match="no column shoe_size"):
        records(change("c", None, {**ANNE, "shoe_size": 9}))


# --- types, as Debezium maps them ------------------------------------------------------


def test_dates_and_times_are_encoded_as_debeziums_temporal_types() -> None:
    born = mysql_column("born", "date", "date", nullable=True)
    assert (born.type, born.semantic) == ("int32", "io.debezium.time.Date")
    table = Table(
        "t",
        "mysql",
        "d",
        None,
        "x",
        (
            born,
            mysql_column("at", "datetime", "datetime", nullable=True),
            mysql_column("at6", "datetime", "datetime(6)", nullable=True, fraction=6),
            mysql_column("stamp", "timestamp", "timestamp", nullable=True),
            mysql_column("t", "time", "time", nullable=True),
        ),
        ("born",),
    )
    row = table.row(
        {
            "born": dt.date(1970, 1, 11),
            "at": dt.datetime(1970, 1, 1, 0, 0, 1),
            "at6": dt.datetime(1970, 1, 1, 0, 0, 1, 5),
            "stamp": dt.datetime(2018, 6, 20, 13, 37, 3),
            "t": dt.timedelta(hours=1, microseconds=7),
        }
    )
    assert row == {
        "born": 10,
        "at": 1000,
        "at6": 1_000_005,
        "stamp": "2018-06-20T13:37:03Z",
        "t": 3_600_000_007,
    }
    assert table.column("at").semantic == "io.debezium.time.Timestamp"
    assert table.column("at6").semantic == "io.debezium.time.MicroTimestamp"
    assert table.column("stamp").semantic == "io.debezium.time.ZonedTimestamp"


def test_decimals_are_connects_decimal_unscaled_bytes_in_base64() -> None:
    balance = mysql_column(
        "balance", "decimal", "decimal(10,2)", nullable=True, precision=10, scale=2
    )
    assert balance.type == "bytes"
    assert balance.parameters == {"scale": "2", "connect.decimal.precision": "10"}
    table = Table("t", "mysql", "d", None, "x", (balance,), ("balance",))
    # Kafka Connect's documented example: 1.00 at scale 2 is unscaled 100 = 0x64 = "ZA=="
    assert table.row({"balance": Decimal("1.00")}) == {"balance": "ZA=="}
    encoded = table.row({"balance": Decimal("-1234.56")})["balance"]
    assert decode_decimal(encoded, 2) == Decimal("-1234.56")


def test_booleans_follow_debezium_per_database() -> None:
    assert postgres_column("paid", "boolean", nullable=False).type == "boolean"
    # MySQL's BOOLEAN is TINYINT(1): Debezium sends int16 unless a converter is configured
    assert mysql_column("paid", "tinyint", "tinyint(1)", nullable=False).type == "int16"
    assert mysql_column("flag", "bit", "bit(1)", nullable=False).type == "boolean"


def test_postgres_types_map_as_debezium_maps_them() -> None:
    def kind(data_type: str, **extra: Any) -> tuple[str, str | None]:
        column = postgres_column("c", data_type, nullable=True, **extra)
        return column.type, column.semantic

    assert kind("timestamp without time zone") == ("int64", "io.debezium.time.MicroTimestamp")
    assert kind("timestamp without time zone", fraction=3) == (
        "int64",
        "io.debezium.time.Timestamp",
    )
    assert kind("timestamp with time zone") == ("string", "io.debezium.time.ZonedTimestamp")
    assert kind("uuid") == ("string", "io.debezium.data.Uuid")
    assert kind("jsonb") == ("string", "io.debezium.data.Json")
    assert kind("bigint") == ("int64", None)
    assert kind("numeric", precision=8, scale=2) == (
        "bytes",
        "org.apache.kafka.connect.data.Decimal",
    )


def test_a_value_that_does_not_fit_its_column_says_which_column() -> None:
    table = Table(
        "t", "mysql", "d", None, "x", (mysql_column("n", "int", "int", nullable=True),), ("n",)
    )
    with pytest.raises(UnsupportedValueError, match="column n"):
        table.row({"n": "not a number"})


def test_enum_columns_list_their_allowed_labels() -> None:
    column = mysql_column("band", "enum", "enum('A','B','C')", nullable=True)
    assert (column.semantic, column.parameters) == ("io.debezium.data.Enum", {"allowed": "A,B,C"})


def test_a_numeric_with_no_declared_scale_keeps_its_scale_as_debeziums_variable_decimal() -> None:
    column = postgres_column("amount", "numeric", nullable=True)
    assert (column.type, column.semantic) == ("struct", "io.debezium.data.VariableScaleDecimal")
    assert [f["field"] for f in column.schema()["fields"]] == ["scale", "value"]
    encoded = encode(column, Decimal("1234.567"))
    assert encoded["scale"] == 3
    assert decode_decimal(encoded["value"], encoded["scale"]) == Decimal("1234.567")
    assert encode(column, Decimal("-5"))["scale"] == 0


def test_mysql_bit_fields_wider_than_one_are_debeziums_bits_little_endian() -> None:
    column = mysql_column("flags", "bit", "bit(12)", nullable=True)
    assert (column.type, column.semantic, column.parameters) == (
        "bytes", "io.debezium.data.Bits", {"length": "12"},
    )  # fmt: skip
    # 0b1000_0000_0101 as the driver gives it (big-endian bytes) or the binlog (bit text)
    for value in (b"\x08\x05", "100000000101"):
        assert base64.b64decode(encode(column, value)) == b"\x05\x08"


def test_mysql_set_columns_are_debeziums_enum_set_in_the_declared_order() -> None:
    column = mysql_column("bins", "set", "set('general','recycling','garden')", nullable=True)
    assert (column.semantic, column.parameters) == (
        "io.debezium.data.EnumSet", {"allowed": "general,recycling,garden"},
    )  # fmt: skip
    assert encode(column, {"garden", "general"}) == "general,garden"
    assert encode(column, "recycling,general") == "general,recycling"
    assert encode(column, "") == ""


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("04:05:06.5", 14_706_500_000),
        ("3 days", 3 * 86_400_000_000),
        ("1 mon", round(365.25 / 12 * 86_400_000_000)),
        ("1 year 2 mons 3 days 04:05:06", round(
            (12 + 2) * 365.25 / 12 * 86_400_000_000 + 3 * 86_400_000_000 + 14_706_000_000)),
        ("-1 days +02:00:00", -86_400_000_000 + 7_200_000_000),
    ],
)  # fmt: skip
def test_postgres_intervals_are_debeziums_micro_duration(text: str, micros: int) -> None:
    column = postgres_column("waited", "interval", nullable=True)
    assert (column.type, column.semantic) == ("int64", "io.debezium.time.MicroDuration")
    assert encode(column, text) == micros
