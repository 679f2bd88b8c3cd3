"""pgoutput messages decoded from bytes laid out as PostgreSQL's protocol documentation
("Logical Replication Message Formats", protocol version 1) describes them."""

from __future__ import annotations

import struct

from townhall.connectors.postgres import pgoutput
from townhall.connectors.postgres.schema import parse


def text(value: str) -> bytes:
    raw = value.encode()
    return b"t" + struct.pack(">i", len(raw)) + raw


def tuple_of(*columns: bytes) -> bytes:
    return struct.pack(">h", len(columns)) + b"".join(columns)


def test_begin_and_commit_carry_lsns_xid_and_time() -> None:
    begin = pgoutput.decode(b"B" + struct.pack(">QqI", 0x16_0000_0100, 1_000_000, 742))
    assert begin == pgoutput.Begin(0x16_0000_0100, 1_000_000, 742)
    commit = pgoutput.decode(b"C" + b"\0" + struct.pack(">QQq", 10, 20, 0))
    assert commit == pgoutput.Commit(10, 20, 0)
    assert pgoutput.unix_ms(0) == 946_684_800_000, "PostgreSQL's epoch is 2000-01-01"


def test_a_relation_names_its_columns_and_which_form_the_key() -> None:
    column = b"\x01id\0" + struct.pack(">Ii", 23, -1) + b"\x00name\0" + struct.pack(">Ii", 25, -1)
    message = b"R" + struct.pack(">I", 16384) + b"public\0bins\0d" + struct.pack(">h", 2) + column
    assert pgoutput.decode(message) == pgoutput.Relation(
        16384, "public", "bins", ("id", "name"), ("id",)
    )


def test_rows_hold_text_nulls_and_unchanged_toast_values() -> None:
    insert = pgoutput.decode(b"I" + struct.pack(">I", 7) + b"N" + tuple_of(text("1"), b"n", b"u"))
    assert isinstance(insert, pgoutput.Insert)
    assert insert.new[:2] == ("1", None) and insert.new[2] is pgoutput.UNCHANGED


def test_updates_and_deletes_say_whether_the_old_row_is_the_key_only() -> None:
    old, new = tuple_of(text("1"), b"n"), tuple_of(text("1"), text("x"))
    update = pgoutput.decode(b"U" + struct.pack(">I", 7) + b"K" + old + b"N" + new)
    assert update == pgoutput.Update(7, ("1", None), ("1", "x"), True)
    assert pgoutput.decode(b"U" + struct.pack(">I", 7) + b"N" + new) == pgoutput.Update(
        7, None, ("1", "x"), False
    )
    delete = pgoutput.decode(b"D" + struct.pack(">I", 7) + b"O" + new)
    assert delete == pgoutput.Delete(7, ("1", "x"), False)
    assert pgoutput.decode(b"Y" + b"\0" * 8) == pgoutput.Other("Y")


def test_lsns_read_and_print_as_postgresql_writes_them() -> None:
    assert pgoutput.lsn_int("16/B374D848") == 0x16_B374_D848
    assert pgoutput.lsn_text(0x16_B374_D848) == "16/B374D848"


def test_text_values_become_the_values_a_driver_gives() -> None:
    assert parse("boolean", "t") is True and parse("integer", "42") == 42
    assert str(parse("numeric", "12.50")) == "12.50"
    assert parse("timestamp with time zone", "2025-01-07 09:15:00+00").utcoffset() is not None
    assert parse("bytea", "\\x6869") == b"hi" and parse("text", None) is None
