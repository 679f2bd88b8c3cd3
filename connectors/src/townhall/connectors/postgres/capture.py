"""PostgreSQL change capture through logical decoding with ``pgoutput``, Debezium-style.

A publication names the captured tables and a logical replication slot keeps the WAL
the connector has not confirmed. First start: the slot is created with an exported
snapshot, the tables are read in a REPEATABLE READ transaction on that very snapshot
(``op: r``), and streaming starts at the slot's consistent point: no gap, no overlap.

Then each committed transaction's rows become change events, published at its Commit;
the commit's end LSN is stored once the broker acknowledged them all, and only then
confirmed to the server (so PostgreSQL may recycle the WAL). A restart resumes at the
stored LSN; a crash between publish and store re-sends that one transaction, which
consumers deduplicate by ``source.lsn``.
"""

from __future__ import annotations

import json
import logging
import select
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import psycopg2.extensions
import psycopg2.extras

from townhall.connectors.capture import CaptureBase
from townhall.connectors.debezium.envelope import (
    Op,
    Record,
    Source,
    snapshot_marker,
    with_ends,
)
from townhall.connectors.offsets import OffsetStore
from townhall.connectors.postgres import pgoutput
from townhall.connectors.postgres.schema import Captured, PostgresSource, connect, load_tables
from townhall.connectors.sink import KafkaSink

log = logging.getLogger(__name__)
SNAPSHOT_BATCH = 1000
RowMessage = pgoutput.Insert | pgoutput.Update | pgoutput.Delete


class PostgresCapture(CaptureBase):
    """Snapshot, then stream, one PostgreSQL database's captured tables to Kafka."""

    def __init__(
        self,
        source: PostgresSource,
        sink: KafkaSink,
        offsets: OffsetStore,
        *,
        schemas: bool = False,
        clock_ns: Callable[[], int] = time.time_ns,
        idle_s: float = 0.2,
        epoch_check_s: float = 5.0,
    ):
        super().__init__(f"{source.system}.postgresql", sink, offsets, schemas=schemas,
                         clock_ns=clock_ns, epoch_check_s=epoch_check_s)  # fmt: skip
        self.source = source
        self.idle_s = idle_s
        self.tables: dict[str, Captured] = {}

    def run(self, stop: threading.Event) -> None:
        self._prepare()
        replication = connect(
            self.source, connection_factory=psycopg2.extras.LogicalReplicationConnection
        )
        try:
            cursor = replication.cursor()
            position = self.offsets.load(self.name)
            self.epoch = position.get("epoch") if position else None
            self._check_epoch(now=True)
            if position is None:
                position = self._snapshot(cursor)
            self.stream(cursor, position, stop)
        finally:
            replication.close()

    def _prepare(self) -> None:
        """Read the tables, make the publication, drop a slot left by an unfinished snapshot."""
        connection = connect(self.source)
        connection.autocommit = True
        try:
            db = connection.get_dsn_parameters()["dbname"]
            self.tables = load_tables(connection, self.source, db)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM pg_publication WHERE pubname = %s", (self.source.publication,)
                )
                if cursor.fetchone() is None:
                    names = ", ".join(f'"{self.source.schema}"."{name}"' for name in self.tables)
                    cursor.execute(
                        f'CREATE PUBLICATION "{self.source.publication}" FOR TABLE {names}'
                    )
                if self.offsets.load(self.name) is None:
                    cursor.execute(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                        "WHERE slot_name = %s",
                        (self.source.slot,),
                    )
        finally:
            connection.close()
        self.sink.ensure_topics(captured.table.topic for captured in self.tables.values())

    # --- the snapshot -----------------------------------------------------------------

    def _snapshot(self, cursor: Any) -> dict[str, Any]:
        cursor.execute(f'CREATE_REPLICATION_SLOT "{self.source.slot}" LOGICAL pgoutput')
        _, consistent_point, snapshot_name, _ = cursor.fetchone()
        lsn = pgoutput.lsn_int(consistent_point)
        reader = connect(self.source)
        try:
            reader.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with reader.cursor() as setup:
                setup.execute("SET TRANSACTION SNAPSHOT %s", (snapshot_name,))
            self._snapshot_tables(reader, lsn)
            reader.rollback()
        finally:
            reader.close()
        position = {"lsn": lsn}
        self._store(position)
        log.info("snapshot done", extra={"connector": self.name, "lsn": consistent_point})
        return position

    def _snapshot_tables(self, reader: psycopg2.extensions.connection, lsn: int) -> None:
        batch: list[Record] = []
        names = list(self.tables)
        where = {"txId": None, "lsn": lsn, "xmin": None}
        sequence = json.dumps([None, str(lsn)])
        for index, name in enumerate(names):
            captured = self.tables[name]
            for row, first, last in with_ends(self._rows(reader, captured)):
                mark = snapshot_marker(
                    first_table=index == 0,
                    last_table=index == len(names) - 1,
                    first_row=first,
                    last_row=last,
                )
                now_ms = self.clock_ns() // 1_000_000
                source = Source(ts_ms=now_ms, snapshot=mark, position=where, sequence=sequence)
                batch += self._captured_records(captured, "r", None, row, source)
                if len(batch) >= SNAPSHOT_BATCH:
                    self._publish_snapshot(batch)
                    batch = []
        self._publish_snapshot(batch)

    def _rows(
        self, reader: psycopg2.extensions.connection, captured: Captured
    ) -> Iterator[dict[str, Any]]:
        table = captured.table
        names = tuple(column.name for column in table.columns)
        listed = ", ".join(f'"{name}"' for name in names)
        order = ", ".join(f'"{name}"' for name in table.key) or "1"
        with reader.cursor(name=f"snapshot_{table.name}") as cursor:
            cursor.itersize = SNAPSHOT_BATCH
            cursor.execute(f'SELECT {listed} FROM "{table.schema}"."{table.name}" ORDER BY {order}')
            for values in cursor:
                yield dict(zip(names, values, strict=True))

    # --- streaming --------------------------------------------------------------------

    def stream(self, cursor: Any, position: Mapping[str, Any], stop: threading.Event) -> None:
        cursor.start_replication(
            slot_name=self.source.slot,
            decode=False,
            start_lsn=int(position["lsn"]),
            options={"proto_version": "1", "publication_names": self.source.publication},
        )
        relations: dict[int, pgoutput.Relation] = {}  # sent once per relation and session
        stream = _Transaction(str(position["lsn"]), relations)
        while not stop.is_set():
            message = cursor.read_message()
            if message is None:
                if not stream.pending:
                    self._check_epoch()
                select.select([cursor], [], [], self.idle_s)
                continue
            decoded = pgoutput.decode(message.payload)
            if isinstance(decoded, pgoutput.Commit):
                self._check_epoch()
                self.sink.publish(stream.pending)
                self._store({"lsn": decoded.end_lsn}, stream.pending)
                cursor.send_feedback(flush_lsn=decoded.end_lsn)
                stream = _Transaction(str(decoded.commit_lsn), relations)
            else:
                stream.pending += self._on(decoded, stream, message.data_start)

    def _on(self, decoded: pgoutput.Message, stream: _Transaction, lsn: int) -> list[Record]:
        if isinstance(decoded, pgoutput.Begin):
            stream.begin = decoded
        elif isinstance(decoded, pgoutput.Relation):
            stream.relations[decoded.relid] = decoded
            captured = self.tables.get(decoded.name)
            if captured and captured.table.unknown(dict.fromkeys(decoded.columns)):
                self._reload_tables()  # sent again after ALTER TABLE: a column was added
        elif isinstance(decoded, pgoutput.Insert | pgoutput.Update | pgoutput.Delete):
            return self._row_change(decoded, stream, lsn)
        return []

    def _row_change(
        self,
        decoded: pgoutput.Insert | pgoutput.Update | pgoutput.Delete,
        stream: _Transaction,
        lsn: int,
    ) -> list[Record]:
        relation = stream.relations.get(decoded.relid)
        captured = self.tables.get(relation.name) if relation else None
        if relation is None or captured is None or stream.begin is None:
            return []
        position = {"txId": stream.begin.xid, "lsn": lsn, "xmin": None}
        source = Source(
            ts_ms=pgoutput.unix_ms(stream.begin.commit_ts_us),
            snapshot="false",
            position=position,
            sequence=json.dumps([stream.last_commit, str(lsn)]),
        )
        names = relation.columns
        if isinstance(decoded, pgoutput.Insert):
            return self._captured_records(
                captured, "c", None, captured.parse(names, decoded.new), source
            )
        if isinstance(decoded, pgoutput.Update):
            before = None if decoded.old is None else captured.parse(names, decoded.old)
            return self._captured_records(
                captured, "u", before, captured.parse(names, decoded.new), source
            )
        return self._captured_records(
            captured, "d", captured.parse(names, decoded.old), None, source
        )

    def _captured_records(
        self,
        captured: Captured,
        op: Op,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        source: Source,
    ) -> list[Record]:
        # a column dropped since this change: kept, typed from its value
        table = captured.table.widened({**(before or {}), **(after or {})})
        return self._records(table, op, before, after, source)

    def _reload_tables(self) -> None:
        connection = connect(self.source)
        try:
            db = connection.get_dsn_parameters()["dbname"]
            self.tables = load_tables(connection, self.source, db)
        finally:
            connection.close()


class _Transaction:
    """What streaming holds between a Begin and its Commit."""

    def __init__(self, last_commit: str | None, relations: dict[int, pgoutput.Relation]):
        self.last_commit = last_commit
        self.begin: pgoutput.Begin | None = None
        self.relations = relations
        self.pending: list[Record] = []
