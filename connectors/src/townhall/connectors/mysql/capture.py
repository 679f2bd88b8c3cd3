"""MySQL/MariaDB change capture from the binary log (row format), Debezium-style.

First start (no stored position): a consistent snapshot. One REPEATABLE READ transaction
started ``WITH CONSISTENT SNAPSHOT`` reads every captured table (``op: r``), and the binlog
position of that very snapshot (MariaDB's ``binlog_snapshot_file/position``; on MySQL,
``SHOW MASTER STATUS`` under a brief ``FLUSH TABLES WITH READ LOCK``) is where streaming
starts: no change is missed between the two and none is seen twice.

Then it streams: the rows of each committed transaction become change events, published
when its XID (commit) arrives; the position after that commit is stored only once the
broker has acknowledged them all. A restart resumes at the stored commit boundary; a crash
between publish and store re-sends that one transaction, which consumers deduplicate by
``source`` (file, pos, row).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pymysql
from pymysqlreplication import BinLogStreamReader
from pymysqlreplication.event import (
    GtidEvent,
    HeartbeatLogEvent,
    MariadbGtidEvent,
    QueryEvent,
    RotateEvent,
    XidEvent,
)
from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent

from townhall.connectors.capture import CaptureBase
from townhall.connectors.debezium.envelope import (
    Connector,
    Op,
    Record,
    Source,
    Table,
    snapshot_marker,
    with_ends,
)
from townhall.connectors.mysql.schema import (
    MySQLSource,
    check_binlog,
    connect,
    flavour,
    load_tables,
)
from townhall.connectors.offsets import OffsetStore
from townhall.connectors.sink import KafkaSink

log = logging.getLogger(__name__)
SNAPSHOT_BATCH = 1000
_DDL = ("ALTER ", "CREATE ", "DROP ", "RENAME ", "TRUNCATE ")


class MySQLCapture(CaptureBase):
    """Snapshot, then stream, one MySQL/MariaDB database's captured tables to Kafka."""

    def __init__(
        self,
        source: MySQLSource,
        sink: KafkaSink,
        offsets: OffsetStore,
        *,
        schemas: bool = False,
        clock_ns: Callable[[], int] = time.time_ns,
        heartbeat_s: float = 0.2,
        epoch_check_s: float = 5.0,
    ):
        super().__init__(f"{source.system}.mysql", sink, offsets, schemas=schemas,
                         clock_ns=clock_ns, epoch_check_s=epoch_check_s)  # fmt: skip
        self.source = source
        self.heartbeat_s = heartbeat_s
        self.connector: Connector = "mysql"
        self.tables: dict[str, Table] = {}

    def run(self, stop: threading.Event) -> None:
        """Snapshot if this connector never stored a position, then stream until ``stop``."""
        connection = connect(self.source)
        try:
            check_binlog(connection)
            self.connector = flavour(connection)
            self.tables = load_tables(connection, self.source, self.connector)
        finally:
            connection.close()
        self.sink.ensure_topics(table.topic for table in self.tables.values())
        position = self.offsets.load(self.name)
        self.epoch = position.get("epoch") if position else None
        self._check_epoch(now=True)
        if position is None:
            position = self.snapshot()
        self.stream(position, stop)

    # --- the snapshot -----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        connection = connect(self.source)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                log_file, log_pos = self._consistent_start(cursor)
                cursor.execute("SELECT @@server_id")
                (server_id,) = cursor.fetchone() or (0,)
            where = {"server_id": int(server_id), "gtid": None, "file": log_file, "pos": log_pos}
            self._snapshot_tables(connection, {**where, "row": 0, "thread": None, "query": None})
            connection.commit()
        finally:
            connection.close()
        position = {"file": log_file, "pos": log_pos, "gtid": None}
        self._store(position)
        log.info("snapshot done", extra={"connector": self.name, "position": position})
        return position

    def _consistent_start(self, cursor: Any) -> tuple[str, int]:
        if self.connector == "mariadb":
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            cursor.execute("SHOW STATUS LIKE 'binlog_snapshot_%'")
            status = {str(name).lower(): value for name, value in cursor.fetchall()}
            return str(status["binlog_snapshot_file"]), int(status["binlog_snapshot_position"])
        cursor.execute("FLUSH TABLES WITH READ LOCK")
        try:
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            cursor.execute("SHOW MASTER STATUS")
            row = cursor.fetchone()
        finally:
            cursor.execute("UNLOCK TABLES")
        return str(row[0]), int(row[1])

    def _snapshot_tables(self, connection: pymysql.Connection[Any], where: dict[str, Any]) -> None:
        batch: list[Record] = []
        names = list(self.tables)
        for index, name in enumerate(names):
            table = self.tables[name]
            for row, first, last in with_ends(self._rows(connection, table)):
                mark = snapshot_marker(
                    first_table=index == 0,
                    last_table=index == len(names) - 1,
                    first_row=first,
                    last_row=last,
                )
                source = Source(ts_ms=self.clock_ns() // 1_000_000, snapshot=mark, position=where)
                batch += self._records(table, "r", None, row, source)
                if len(batch) >= SNAPSHOT_BATCH:
                    self._publish_snapshot(batch)
                    batch = []
        self._publish_snapshot(batch)

    def _rows(self, connection: pymysql.Connection[Any], table: Table) -> Iterator[dict[str, Any]]:
        columns = ", ".join(f"`{column.name}`" for column in table.columns)
        order = ", ".join(f"`{name}`" for name in table.key) or "1"
        with connection.cursor(pymysql.cursors.SSDictCursor) as cursor:
            cursor.execute(f"SELECT {columns} FROM `{table.db}`.`{table.name}` ORDER BY {order}")
            yield from cursor

    # --- streaming --------------------------------------------------------------------

    def stream(self, position: Mapping[str, Any], stop: threading.Event) -> None:
        reader = BinLogStreamReader(
            connection_settings=self.source.connection_settings,
            server_id=self.source.server_id,
            resume_stream=True,
            log_file=position["file"],
            log_pos=position["pos"],
            blocking=True,
            slave_heartbeat=self.heartbeat_s,
            # file and position on MariaDB too: the library's MariaDB mode resumes by GTID only
            is_mariadb=False,
            only_schemas=[self.source.database],
            only_events=[
                GtidEvent,
                MariadbGtidEvent,
                QueryEvent,
                XidEvent,
                RotateEvent,
                HeartbeatLogEvent,
                WriteRowsEvent,
                UpdateRowsEvent,
                DeleteRowsEvent,
            ],
        )
        pending: list[Record] = []
        gtid: str | None = position.get("gtid")
        try:
            for event in reader:
                if stop.is_set():
                    break
                if isinstance(event, HeartbeatLogEvent) and not pending:
                    self._check_epoch()
                elif isinstance(event, GtidEvent | MariadbGtidEvent):
                    gtid = str(event.gtid)
                elif isinstance(event, WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent):
                    pending += self._row_changes(event, reader.log_file, gtid)
                elif isinstance(event, XidEvent):
                    self._commit(pending, reader, gtid)
                    pending = []
                elif isinstance(event, QueryEvent) and _is_ddl(event.query):
                    self._reload_tables()
                    self._commit(pending, reader, gtid)
                    pending = []
        finally:
            reader.close()

    def _commit(self, pending: list[Record], reader: BinLogStreamReader, gtid: str | None) -> None:
        self._check_epoch()
        self.sink.publish(pending)
        self._store({"file": reader.log_file, "pos": reader.log_pos, "gtid": gtid}, pending)

    def _row_changes(self, event: Any, log_file: str, gtid: str | None) -> list[Record]:
        table = self.tables.get(event.table)
        if table is None:
            return []
        if any(table.unknown(values) for row in event.rows for values in row.values()):
            self._reload_tables()  # a column was added since the tables were read
            table = self.tables[event.table]
        start = event.packet.log_pos - event.event_size
        out: list[Record] = []
        for index, row in enumerate(event.rows):
            position = {
                "server_id": event.packet.server_id,
                "gtid": gtid,
                "file": log_file,
                "pos": start,
                "row": index,
                "thread": None,
                "query": None,
            }
            source = Source(ts_ms=event.timestamp * 1000, snapshot="false", position=position)
            op, before, after = _change_of(event, row)
            # a column dropped since this change: kept, typed from its value
            shaped = table.widened({**(before or {}), **(after or {})})
            out += self._records(shaped, op, before, after, source)
        return out

    def _reload_tables(self) -> None:
        connection = connect(self.source)
        try:
            self.tables = load_tables(connection, self.source, self.connector)
        finally:
            connection.close()


def _change_of(event: Any, row: Mapping[str, Any]) -> tuple[Op, Any, Any]:
    if isinstance(event, WriteRowsEvent):
        return "c", None, row["values"]
    if isinstance(event, UpdateRowsEvent):
        return "u", row["before_values"], row["after_values"]
    return "d", row["values"], None


def _is_ddl(query: str) -> bool:
    return query.lstrip().upper().startswith(_DDL)
