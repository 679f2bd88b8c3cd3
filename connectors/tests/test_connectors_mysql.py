"""MariaDB's binary log to Kafka: snapshot, then every change, and a restart resumes exactly.

On a MariaDB of the test's own (binlog in row format) and the real embedded broker.
"""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from townhall.connectors.__main__ import main
from townhall.connectors.debezium.envelope import Record
from townhall.connectors.debezium.types import decode_decimal
from townhall.connectors.errors import SourceError
from townhall.connectors.mysql.capture import MySQLCapture
from townhall.connectors.mysql.schema import MySQLSource
from townhall.connectors.offsets import OffsetStore
from townhall.connectors.runner import supervise
from townhall.connectors.sink import KafkaSink
from townhall.connectors.testing import (
    MariaDBServer,
    changes_on,
    changes_until,
    connector_process,
    ops_by_key,
    write_config,
)
from townhall.runtime.broker import EmbeddedBroker, free_port
from townhall.runtime.kafka import ensure_topics
from townhall.runtime.settings import KafkaSettings, embedded_kafka_settings
from townhall.schemas.topics import TopicSpec

ACCOUNTS = """
CREATE TABLE accounts (
    id INT PRIMARY KEY,
    holder VARCHAR(100) NOT NULL,
    balance DECIMAL(10,2),
    opened DATE,
    paid TINYINT(1) NOT NULL DEFAULT 0
)
"""


@dataclass
class Running:
    capture: MySQLCapture
    thread: threading.Thread
    stop: threading.Event

    def halt(self) -> None:
        self.stop.set()
        self.thread.join()


@dataclass
class Legacy:
    server: MariaDBServer
    source: MySQLSource
    offsets: OffsetStore
    kafka: KafkaSettings

    @property
    def topic(self) -> str:
        return f"legacy.{self.source.system}.accounts"

    def sql(self, *statements: str) -> None:
        self.server.execute(*statements, database=self.source.database)

    def start(self) -> Running:
        capture = MySQLCapture(self.source, KafkaSink(self.kafka, "test-connector"), self.offsets)
        stop = threading.Event()
        thread = threading.Thread(target=capture.run, args=(stop,), daemon=True)
        thread.start()
        return Running(capture, thread, stop)

    async def changes(self, at_least: int) -> list[tuple[str, Any, Any]]:
        return await changes_on(self.kafka, self.topic, at_least=at_least)


@pytest.fixture
async def legacy(
    mariadb: MariaDBServer, kafka_settings: KafkaSettings, tmp_path: Path
) -> AsyncIterator[Legacy]:
    name = f"ct{uuid.uuid4().hex[:10]}"
    mariadb.execute(f"CREATE DATABASE {name}")
    source = MySQLSource(name, mariadb.host, mariadb.port, "root", "", name, ("accounts",))
    offsets = OffsetStore(tmp_path / "offsets.db")
    system = Legacy(mariadb, source, offsets, kafka_settings)
    system.sql(ACCOUNTS)
    await ensure_topics(kafka_settings, [TopicSpec(system.topic, kafka_settings.topic_partitions)])
    yield system
    offsets.close()


async def test_a_snapshot_then_every_change_and_a_restart_resumes_with_nothing_lost_or_doubled(
    legacy: Legacy,
) -> None:
    legacy.sql(
        "INSERT INTO accounts VALUES (1, 'Mr J Smith', 120.50, '2019-04-01', 1)",
        "INSERT INTO accounts VALUES (2, 'Ms K Patel', NULL, NULL, 0)",
    )
    running = legacy.start()
    try:
        snapshot = await legacy.changes(at_least=2)
        legacy.sql(
            "INSERT INTO accounts VALUES (3, 'Mrs A Jones', 0.00, '2024-11-30', 0)",
            "UPDATE accounts SET holder = 'Mr John Smith' WHERE id = 1",
            "DELETE FROM accounts WHERE id = 2",
        )
        streamed = await legacy.changes(at_least=6)
    finally:
        running.halt()
    assert sorted((op, key) for op, key, _ in snapshot) == [("r", 1), ("r", 2)]
    first = next(event for op, key, event in snapshot if key == 1)
    assert first["after"]["balance"] and decode_decimal(first["after"]["balance"], 2) == 120.5
    assert first["after"]["opened"] == 17987 and first["after"]["paid"] == 1
    marks = sorted(event["source"]["snapshot"] for _, _, event in snapshot)
    assert marks == ["first", "last"]
    assert ops_by_key(streamed) == {1: ["r", "u"], 2: ["r", "d", "tombstone"], 3: ["c"]}
    update = next(event for op, _, event in streamed if op == "u")
    assert (
        update["before"]["holder"] == "Mr J Smith" and update["after"]["holder"] == "Mr John Smith"
    )
    assert update["source"]["file"].startswith("binlog.") and update["source"]["gtid"]

    legacy.sql(  # while the connector is down
        "INSERT INTO accounts VALUES (4, 'Dr P Evans', 10.00, NULL, 0)",
        "UPDATE accounts SET paid = 1 WHERE id = 3",
    )
    running = legacy.start()
    try:
        after_restart = await legacy.changes(at_least=8)
        legacy.sql("DELETE FROM accounts WHERE id = 4")
        everything = await legacy.changes(at_least=10)
    finally:
        running.halt()
    assert len(after_restart) == 8, "no snapshot again, nothing sent twice"
    assert ops_by_key(everything) == {
        1: ["r", "u"],
        2: ["r", "d", "tombstone"],
        3: ["c", "u"],
        4: ["c", "d", "tombstone"],
    }
    assert len(everything) == 10
    assert (running.capture.status.changes, running.capture.status.skipped) == (3, 0)


async def test_bit_fields_and_sets_arrive_as_debezium_types_in_snapshot_and_stream(
    legacy: Legacy,
) -> None:
    legacy.sql(
        "ALTER TABLE accounts ADD COLUMN flags BIT(12) NULL, "
        "ADD COLUMN bins SET('general','recycling','garden') NULL",
        "INSERT INTO accounts VALUES (1, 'Mr J Smith', NULL, NULL, 0, b'100000000101', "
        "'garden,general')",
    )
    running = legacy.start()
    try:
        await legacy.changes(at_least=1)
        legacy.sql(
            "INSERT INTO accounts VALUES (2, 'Ms K Patel', NULL, NULL, 0, b'100000000101', "
            "'recycling,general')"
        )
        rows = {key: event["after"] for _, key, event in await legacy.changes(at_least=2)}
    finally:
        running.halt()
    assert base64.b64decode(rows[1]["flags"]) == base64.b64decode(rows[2]["flags"]) == b"\x05\x08"
    assert rows[1]["bins"] == "general,garden"
    assert rows[2]["bins"] == "general,recycling"


def test_a_table_the_database_does_not_have_is_refused_at_start(
    mariadb: MariaDBServer, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    source = MySQLSource("ct", mariadb.host, mariadb.port, "root", "", "mysql", ("nosuch",))
    capture = MySQLCapture(
        source, KafkaSink(kafka_settings, "test-refused"), OffsetStore(tmp_path / "o.db")
    )
    with pytest.raises(SourceError, match="has no table nosuch"):
        capture.run(threading.Event())


class WritingDuringSnapshot(KafkaSink):
    """Writes to the legacy table when the snapshot publishes, while its transaction is open."""

    def __init__(self, legacy: Legacy, ids: range):
        super().__init__(legacy.kafka, "test-during-snapshot")
        self.legacy, self.ids = legacy, ids

    def publish(self, records: Sequence[Record]) -> None:
        if self.ids:
            ids, self.ids = self.ids, range(0)
            self.legacy.sql(
                *(f"INSERT INTO accounts VALUES ({i}, 'H {i}', NULL, NULL, 0)" for i in ids)
            )
        super().publish(records)


async def test_rows_written_while_the_snapshot_runs_arrive_once_as_created_not_read(
    legacy: Legacy,
) -> None:
    legacy.sql(
        "INSERT INTO accounts (id, holder) "
        "SELECT seq, CONCAT('H ', seq) FROM seq_1_to_300"  # MariaDB's sequence engine
    )
    sink = WritingDuringSnapshot(legacy, range(301, 401))
    capture = MySQLCapture(legacy.source, sink, legacy.offsets)
    stop = threading.Event()
    thread = threading.Thread(target=capture.run, args=(stop,), daemon=True)
    thread.start()
    try:
        every = set(range(1, 401))
        found = await changes_until(
            legacy.kafka, legacy.topic, lambda found: {key for _, key, _ in found} >= every
        )
    finally:
        stop.set()
        thread.join()
    assert sorted(key for _, key, _ in found) == sorted(every), "each row once: no gap, no overlap"
    assert {key for op, key, _ in found if op == "r"} == set(range(1, 301))
    assert {key for op, key, _ in found if op == "c"} == set(range(301, 401))


async def test_a_column_added_or_dropped_mid_stream_changes_the_events_not_the_connector(
    legacy: Legacy,
) -> None:
    legacy.sql("INSERT INTO accounts VALUES (1, 'Mr J Smith', 1.00, NULL, 0)")
    running = legacy.start()
    try:
        await legacy.changes(at_least=1)
        legacy.sql(
            "ALTER TABLE accounts ADD COLUMN email VARCHAR(100)",
            "INSERT INTO accounts VALUES (2, 'Ms K Patel', 2.00, NULL, 0, 'k@example.org')",
            "ALTER TABLE accounts DROP COLUMN email",
            "INSERT INTO accounts VALUES (3, 'Mrs A Jones', 3.00, NULL, 0)",
        )
        changes = await legacy.changes(at_least=3)
    finally:
        running.halt()
    after = {key: event["after"] for _, key, event in changes}
    assert after[2]["email"] == "k@example.org" and "email" not in after[3]
    assert running.capture.status.skipped == 0


def _config(legacy: Legacy, tmp_path: Path) -> Path:
    source = legacy.source
    config = {
        "offsets": str(tmp_path / "process-offsets.db"),
        "connectors": [
            {
                "kind": "mysql",
                "system": source.system,
                "host": source.host,
                "port": source.port,
                "user": source.user,
                "database": source.database,
                "tables": list(source.tables),
            }
        ],
    }
    return write_config(tmp_path, config)


async def test_a_connector_killed_mid_stream_loses_nothing_and_repeats_only_what_dedupes(
    legacy: Legacy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def insert(ids: range) -> None:
        legacy.sql(
            *(f"INSERT INTO accounts VALUES ({i}, 'Holder {i}', 1.00, NULL, 0)" for i in ids)
        )

    insert(range(1, 21))
    config = _config(legacy, tmp_path)
    process = connector_process(legacy.kafka, config)
    try:
        await legacy.changes(at_least=20)
        insert(range(21, 61))
        await legacy.changes(at_least=30)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    insert(range(61, 71))  # while it is down
    all_ids = set(range(1, 71))
    process = connector_process(legacy.kafka, config)
    try:
        everything = await changes_until(
            legacy.kafka,
            legacy.topic,
            lambda found: {key for _, key, _ in found} >= set(range(1, 71)),
        )
    finally:
        process.terminate()
        process.wait()
    assert {key for _, key, _ in everything} == all_ids, "nothing lost"
    assert main(["--config", str(config), "status"]) == 0
    [status] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status["connector"] == f"{legacy.source.system}.mysql"
    assert status["position"]["file"].startswith("binlog.") and status["last_error"] is None
    copies: dict[Any, set[str]] = {}
    for op, key, event in everything:
        source = event["source"]
        copies.setdefault(key, set()).add(f"{op}:{source['file']}:{source['pos']}:{source['row']}")
    assert all(len(positions) == 1 for positions in copies.values()), (
        "a change sent twice carries the same source position, so consumers drop the copy"
    )


def test_a_server_whose_binary_log_lacks_column_names_is_refused_at_start(
    legacy: Legacy, tmp_path: Path
) -> None:
    capture = MySQLCapture(
        legacy.source, KafkaSink(legacy.kafka, "test-refused"), OffsetStore(tmp_path / "m.db")
    )
    legacy.server.execute("SET GLOBAL binlog_row_metadata = MINIMAL")
    try:
        with pytest.raises(SourceError, match="binlog_row_metadata=MINIMAL"):
            capture.run(threading.Event())
    finally:
        legacy.server.execute("SET GLOBAL binlog_row_metadata = FULL")


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test's own, so resetting it disturbs no other test."""
    embedded = EmbeddedBroker(port=free_port(), log_file=tmp_path / "tansu.log")
    embedded.start()
    asyncio.run(embedded.prepare(embedded_kafka_settings(embedded.bootstrap_servers)))
    yield embedded
    embedded.stop()


def _soon(failures: int) -> float:
    return 0.1


async def test_after_a_broker_reset_everything_sent_is_sent_again_then_new_changes(
    legacy: Legacy, own_broker: EmbeddedBroker
) -> None:
    kafka = embedded_kafka_settings(own_broker.bootstrap_servers)
    topic = [TopicSpec(legacy.topic, kafka.topic_partitions)]
    await ensure_topics(kafka, topic)
    legacy.sql(
        "INSERT INTO accounts VALUES (1, 'Mr J Smith', NULL, NULL, 0)",
        "INSERT INTO accounts VALUES (2, 'Ms K Patel', NULL, NULL, 0)",
    )
    capture = MySQLCapture(
        legacy.source, KafkaSink(kafka, "test-reset"), legacy.offsets, epoch_check_s=0.1
    )
    stop = threading.Event()
    # as `python -m townhall.connectors` runs it: a capture that fails while the
    # broker is away is started again, from its stored position
    thread = threading.Thread(
        target=supervise, args=(capture, stop), kwargs={"backoff": _soon}, daemon=True
    )
    thread.start()
    try:
        await changes_until(kafka, legacy.topic, lambda found: len(found) >= 2)
        legacy.sql("INSERT INTO accounts VALUES (3, 'Mrs A Jones', NULL, NULL, 0)")
        await changes_until(kafka, legacy.topic, lambda found: len(found) >= 3)
        own_broker.kill()  # memory-only: every topic is gone
        own_broker.start()
        await own_broker.prepare(kafka)  # a new epoch
        await ensure_topics(kafka, topic)
        legacy.sql("INSERT INTO accounts VALUES (4, 'Dr P Evans', NULL, NULL, 0)")
        again = await changes_until(
            kafka, legacy.topic, lambda found: {key for _, key, _ in found} >= {1, 2, 3, 4}
        )
    finally:
        stop.set()
        thread.join()
    assert {(op, key) for op, key, _ in again} == {("r", 1), ("r", 2), ("c", 3), ("c", 4)}
    positions = {(key, json.dumps(event["source"]["pos"])) for _, key, event in again}
    assert len(positions) == 4, "anything sent twice carries its first position: deduplicated"
