"""PostgreSQL's ``pgoutput`` logical replication messages (protocol version 1), decoded.

Pure: bytes in, small frozen values out. Only what change capture needs: Begin, Commit,
Relation, Insert, Update, Delete; anything else (Origin, Type, Truncate, Message) is
returned as ``Other`` and ignored by the caller. Column values arrive in text form
(``None`` for SQL NULL, ``UNCHANGED`` for an unchanged TOASTed value).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

#: PostgreSQL's epoch (2000-01-01) in microseconds after the Unix epoch.
PG_EPOCH_US = 946_684_800_000_000
UNCHANGED = object()

Values = tuple[str | object | None, ...]


@dataclass(frozen=True)
class Begin:
    final_lsn: int
    commit_ts_us: int
    xid: int


@dataclass(frozen=True)
class Commit:
    commit_lsn: int
    end_lsn: int
    commit_ts_us: int


@dataclass(frozen=True)
class Relation:
    relid: int
    namespace: str
    name: str
    columns: tuple[str, ...]
    key_columns: tuple[str, ...]


@dataclass(frozen=True)
class Insert:
    relid: int
    new: Values


@dataclass(frozen=True)
class Update:
    relid: int
    old: Values | None
    new: Values
    old_is_key_only: bool


@dataclass(frozen=True)
class Delete:
    relid: int
    old: Values
    old_is_key_only: bool


@dataclass(frozen=True)
class Other:
    kind: str


Message = Begin | Commit | Relation | Insert | Update | Delete | Other


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return int(value)

    def byte(self) -> str:
        self.at += 1
        return chr(self.data[self.at - 1])

    def string(self) -> str:
        end = self.data.index(b"\0", self.at)
        text = self.data[self.at : end].decode("utf-8")
        self.at = end + 1
        return text

    def tuple(self) -> Values:
        values: list[str | object | None] = []
        for _ in range(self.take(">h")):
            kind = self.byte()
            if kind == "n":
                values.append(None)
            elif kind == "u":
                values.append(UNCHANGED)
            else:  # "t" text (or "b" binary, which protocol 1 never sends)
                length = self.take(">i")
                values.append(self.data[self.at : self.at + length].decode("utf-8"))
                self.at += length
        return tuple(values)


def _relation(reader: _Reader) -> Relation:
    relid = reader.take(">I")
    namespace, name = reader.string(), reader.string()
    reader.byte()  # replica identity setting
    names: list[str] = []
    keys: list[str] = []
    for _ in range(reader.take(">h")):
        flags = reader.take(">b")
        column = reader.string()
        reader.take(">I")  # type oid
        reader.take(">i")  # type modifier
        names.append(column)
        if flags & 1:
            keys.append(column)
    return Relation(relid, namespace, name, tuple(names), tuple(keys))


def _update(reader: _Reader) -> Update:
    relid = reader.take(">I")
    marker = reader.byte()
    old: Values | None = None
    if marker in ("K", "O"):
        old = reader.tuple()
        reader.byte()  # "N"
    return Update(relid, old, reader.tuple(), marker == "K")


def decode(data: bytes) -> Message:
    """One pgoutput message."""
    reader = _Reader(data)
    kind = reader.byte()
    if kind == "B":
        return Begin(reader.take(">Q"), reader.take(">q"), reader.take(">I"))
    if kind == "C":
        reader.byte()  # flags
        return Commit(reader.take(">Q"), reader.take(">Q"), reader.take(">q"))
    if kind == "R":
        return _relation(reader)
    if kind == "I":
        relid = reader.take(">I")
        reader.byte()  # "N"
        return Insert(relid, reader.tuple())
    if kind == "U":
        return _update(reader)
    if kind == "D":
        relid = reader.take(">I")
        marker = reader.byte()
        return Delete(relid, reader.tuple(), marker == "K")
    return Other(kind)


def unix_ms(pg_timestamp_us: int) -> int:
    """A pgoutput timestamp (µs after 2000-01-01) as ms after the Unix epoch."""
    return (pg_timestamp_us + PG_EPOCH_US) // 1000


def lsn_text(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def lsn_int(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)
