"""Where each connector has got to, kept durably outside the broker.

A small SQLite file (one row per connector), written only after every record before the
position has been acknowledged by the broker. Not a Kafka offsets topic, as Kafka
Connect keeps them: the embedded broker is memory-only, and an offsets topic would vanish
in exactly the reset the connector must notice and recover from; and a SQLite commit
survives ``kill -9`` of the connector. A position is a small JSON object whose shape each
source defines (binlog file and position, or an LSN).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from townhall.connectors.debezium.envelope import Record
from townhall.connectors.status import Status

_SCHEMA = """
CREATE TABLE IF NOT EXISTS connector_offsets (
    connector TEXT PRIMARY KEY,
    position TEXT NOT NULL,
    stored_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS retained_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    connector TEXT NOT NULL,
    topic TEXT NOT NULL,
    key BLOB NOT NULL,
    value BLOB,
    stored_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS retained_by_connector ON retained_records (connector, id);
CREATE TABLE IF NOT EXISTS connector_status (
    connector TEXT PRIMARY KEY,
    changes INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    last_error TEXT,
    reported_at_ms INTEGER NOT NULL
)
"""


class OffsetStore:
    """Read and replace one connector's position, each write committed before it returns."""

    def __init__(self, path: Path, retention_ms: int = 14 * 24 * 3600 * 1000):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        #: Published records are kept this long, to publish again after a broker reset.
        self.retention_ms = retention_ms
        self._lock = threading.Lock()  # connectors run in threads and share the file
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")
        self._connection.executescript(_SCHEMA)

    def close(self) -> None:
        self._connection.close()

    def load(self, connector: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._connection.execute(
                "SELECT position FROM connector_offsets WHERE connector = ?", (connector,)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def store(
        self,
        connector: str,
        position: Mapping[str, Any],
        now_ms: int,
        records: Sequence[Record] = (),
    ) -> None:
        """The new position and the records published up to it, in one transaction; records
        older than the retention are dropped."""
        with self._lock:
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(
                    "INSERT INTO retained_records (connector, topic, key, value, stored_at_ms) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [(connector, r.topic, r.key, r.value, now_ms) for r in records],
                )
                connection.execute(
                    "DELETE FROM retained_records WHERE connector = ? AND stored_at_ms < ?",
                    (connector, now_ms - self.retention_ms),
                )
                connection.execute(
                    "INSERT INTO connector_offsets (connector, position, stored_at_ms) "
                    "VALUES (?, ?, ?) ON CONFLICT (connector) DO UPDATE SET "
                    "position = excluded.position, stored_at_ms = excluded.stored_at_ms",
                    (connector, json.dumps(dict(position), sort_keys=True), now_ms),
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def retain(self, connector: str, records: Sequence[Record], now_ms: int) -> None:
        """Keep published records with no new position (a snapshot's, before it ends)."""
        with self._lock:
            self._connection.executemany(
                "INSERT INTO retained_records (connector, topic, key, value, stored_at_ms) "
                "VALUES (?, ?, ?, ?, ?)",
                [(connector, r.topic, r.key, r.value, now_ms) for r in records],
            )

    def retained(self, connector: str, batch: int = 1000) -> Iterator[list[Record]]:
        """Every record still kept for ``connector``, oldest first, in batches."""
        after = 0
        while True:
            with self._lock:
                rows = self._connection.execute(
                    "SELECT id, topic, key, value FROM retained_records "
                    "WHERE connector = ? AND id > ? ORDER BY id LIMIT ?",
                    (connector, after, batch),
                ).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            yield [
                Record(topic, bytes(key), value and bytes(value)) for _, topic, key, value in rows
            ]

    def report(self, connector: str, status: Status, now_ms: int) -> None:
        """Keep what the connector last reported, for ``status`` in another process."""
        with self._lock:
            self._connection.execute(
                "INSERT INTO connector_status VALUES (?, ?, ?, ?, ?) ON CONFLICT (connector) "
                "DO UPDATE SET changes = excluded.changes, skipped = excluded.skipped, "
                "last_error = excluded.last_error, reported_at_ms = excluded.reported_at_ms",
                (connector, status.changes, status.skipped, status.last_error, now_ms),
            )

    def overview(self) -> list[dict[str, Any]]:
        """Every connector's stored position and last report, by name."""
        with self._lock:
            rows = self._connection.execute(
                "SELECT o.connector, o.position, o.stored_at_ms, s.changes, s.skipped, "
                "s.last_error FROM connector_offsets o LEFT JOIN connector_status s "
                "USING (connector) UNION SELECT s.connector, NULL, NULL, s.changes, "
                "s.skipped, s.last_error FROM connector_status s WHERE s.connector NOT IN "
                "(SELECT connector FROM connector_offsets) ORDER BY 1"
            ).fetchall()
        keys = ("connector", "position", "stored_at_ms", "changes", "skipped", "last_error")
        return [
            {**dict(zip(keys, row, strict=True)), "position": json.loads(row[1] or "null")}
            for row in rows
        ]
