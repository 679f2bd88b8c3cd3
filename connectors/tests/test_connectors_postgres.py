"""PostgreSQL logical decoding (pgoutput) to Kafka: snapshot on the slot's exported
snapshot, then every change, and a restart resumes at the stored LSN exactly.

On a PostgreSQL of the test's own (``wal_level=logical``) and the real embedded broker.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from townhall.connectors.debezium.envelope import Record
from townhall.connectors.debezium.types import decode_decimal
from townhall.connectors.errors import SourceError
from townhall.connectors.offsets import OffsetStore
from townhall.connectors.postgres.capture import PostgresCapture
from townhall.connectors.postgres.schema import PostgresSource
from townhall.connectors.runner import supervise
from townhall.connectors.sink import KafkaSink
from townhall.connectors.testing import (
    PostgresServer,
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

COLLECTIONS = """
CREATE TABLE collections (
    id INTEGER PRIMARY KEY,
    uprn BIGINT NOT NULL,
    missed BOOLEAN NOT NULL DEFAULT false,
    due DATE,
    reported_at TIMESTAMPTZ,
    fee NUMERIC(8,2)
)
"""


@dataclass
class Running:
    capture: PostgresCapture
    thread: threading.Thread
    stop: threading.Event

    def halt(self) -> None:
        self.stop.set()
        self.thread.join()


@dataclass
class Waste:
    server: PostgresServer
    source: PostgresSource
    offsets: OffsetStore
    kafka: KafkaSettings

    @property
    def topic(self) -> str:
        return f"legacy.{self.source.system}.collections"

    def sql(self, *statements: str) -> None:
        connection = psycopg2.connect(self.source.dsn)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()

    def start(self) -> Running:
        sink = KafkaSink(self.kafka, "test-connector")
        capture = PostgresCapture(self.source, sink, self.offsets)
        stop = threading.Event()
        thread = threading.Thread(target=capture.run, args=(stop,), daemon=True)
        thread.start()
        return Running(capture, thread, stop)

    async def changes(self, at_least: int) -> list[tuple[str, Any, Any]]:
        return await changes_on(self.kafka, self.topic, at_least=at_least)


@pytest.fixture
async def waste(
    logical_postgres: PostgresServer, kafka_settings: KafkaSettings, tmp_path: Path
) -> AsyncIterator[Waste]:
    name = f"waste{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(logical_postgres.dsn())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    admin.close()
    source = PostgresSource(name, logical_postgres.dsn(name), ("collections",))
    offsets = OffsetStore(tmp_path / "offsets.db")
    system = Waste(logical_postgres, source, offsets, kafka_settings)
    system.sql(COLLECTIONS)
    await ensure_topics(kafka_settings, [TopicSpec(system.topic, kafka_settings.topic_partitions)])
    yield system
    offsets.close()


async def test_a_snapshot_then_every_change_and_a_restart_resumes_with_nothing_lost_or_doubled(
    waste: Waste,
) -> None:
    waste.sql(
        "INSERT INTO collections VALUES (1, 100023336956, false, '2025-01-06', NULL, 12.50)",
        "INSERT INTO collections VALUES (2, 100023336957, false, NULL, NULL, NULL)",
    )
    running = waste.start()
    try:
        snapshot = await waste.changes(at_least=2)
        waste.sql(
            "INSERT INTO collections VALUES "
            "(3, 100023336958, true, '2025-01-07', '2025-01-07 09:15:00+00', 0)",
            "UPDATE collections SET missed = true WHERE id = 1",
            "DELETE FROM collections WHERE id = 2",
        )
        streamed = await waste.changes(at_least=6)
    finally:
        running.halt()
    assert sorted((op, key) for op, key, _ in snapshot) == [("r", 1), ("r", 2)]
    assert sorted(event["source"]["snapshot"] for _, _, event in snapshot) == ["first", "last"]
    first = next(event for _, key, event in snapshot if key == 1)
    assert first["after"]["due"] == 20094 and first["after"]["missed"] is False
    assert first["source"]["connector"] == "postgresql" and first["source"]["schema"] == "public"
    assert ops_by_key(streamed) == {1: ["r", "u"], 2: ["r", "d", "tombstone"], 3: ["c"]}
    created = next(event for op, _, event in streamed if op == "c")
    assert created["after"]["reported_at"] == "2025-01-07T09:15:00Z"
    assert created["source"]["lsn"] >= first["source"]["lsn"] and created["source"]["txId"]
    update = next(event for op, _, event in streamed if op == "u")
    assert update["after"]["missed"] is True

    waste.sql(  # while the connector is down
        "INSERT INTO collections VALUES (4, 100023336959, false, NULL, NULL, 5)",
        "UPDATE collections SET fee = 1.25 WHERE id = 3",
    )
    running = waste.start()
    try:
        after_restart = await waste.changes(at_least=8)
        waste.sql("DELETE FROM collections WHERE id = 4")
        everything = await waste.changes(at_least=10)
    finally:
        running.halt()
    assert len(after_restart) == 8, "no snapshot again, nothing sent twice"
    assert len(everything) == 10
    assert ops_by_key(everything) == {
        1: ["r", "u"],
        2: ["r", "d", "tombstone"],
        3: ["c", "u"],
        4: ["c", "d", "tombstone"],
    }
    assert (running.capture.status.changes, running.capture.status.skipped) == (3, 0)


class WritingDuringSnapshot(KafkaSink):
    """Writes to the legacy table when the snapshot publishes, while its transaction is open."""

    def __init__(self, waste: Waste, ids: range):
        super().__init__(waste.kafka, "test-during-snapshot")
        self.waste, self.ids = waste, ids

    def publish(self, records: Sequence[Record]) -> None:
        if self.ids:
            ids, self.ids = self.ids, range(0)
            self.waste.sql(*(f"INSERT INTO collections (id, uprn) VALUES ({i}, {i})" for i in ids))
        super().publish(records)


async def test_rows_written_while_the_snapshot_runs_arrive_once_as_created_not_read(
    waste: Waste,
) -> None:
    waste.sql("INSERT INTO collections (id, uprn) SELECT n, n FROM generate_series(1, 300) n")
    capture = PostgresCapture(
        waste.source, WritingDuringSnapshot(waste, range(301, 401)), waste.offsets
    )
    stop = threading.Event()
    thread = threading.Thread(target=capture.run, args=(stop,), daemon=True)
    thread.start()
    try:
        every = set(range(1, 401))
        found = await changes_until(
            waste.kafka, waste.topic, lambda found: {key for _, key, _ in found} >= every
        )
    finally:
        stop.set()
        thread.join()
    assert sorted(key for _, key, _ in found) == sorted(every), "each row once: no gap, no overlap"
    assert {key for op, key, _ in found if op == "r"} == set(range(1, 301))
    assert {key for op, key, _ in found if op == "c"} == set(range(301, 401))


async def test_a_column_added_mid_stream_appears_in_later_changes(waste: Waste) -> None:
    waste.sql("INSERT INTO collections VALUES (1, 100023336956, false, NULL, NULL, NULL)")
    running = waste.start()
    try:
        await waste.changes(at_least=1)
        waste.sql(
            "ALTER TABLE collections ADD COLUMN crew TEXT",
            "INSERT INTO collections VALUES (2, 100023336957, true, NULL, NULL, NULL, 'North')",
        )
        changes = await waste.changes(at_least=2)
    finally:
        running.halt()
    after = {key: event["after"] for _, key, event in changes}
    assert after[2]["crew"] == "North" and after[2]["missed"] is True
    assert running.capture.status.skipped == 0


async def test_a_connector_killed_mid_stream_loses_nothing_and_repeats_only_what_dedupes(
    waste: Waste, tmp_path: Path
) -> None:
    def insert(ids: range) -> None:
        waste.sql(*(f"INSERT INTO collections (id, uprn) VALUES ({i}, {i})" for i in ids))

    insert(range(1, 21))
    source = waste.source
    connector: dict[str, Any] = {"kind": "postgresql", "system": source.system}
    connector.update(dsn=source.dsn, tables=list(source.tables))
    offsets = str(tmp_path / "process-offsets.db")
    config = write_config(tmp_path, {"offsets": offsets, "connectors": [connector]})
    process = connector_process(waste.kafka, config)
    try:
        await waste.changes(at_least=20)
        insert(range(21, 61))
        await waste.changes(at_least=30)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    insert(range(61, 71))  # while it is down
    all_ids = set(range(1, 71))
    process = connector_process(waste.kafka, config)
    try:
        everything = await changes_until(
            waste.kafka, waste.topic, lambda found: {key for _, key, _ in found} >= all_ids
        )
    finally:
        process.terminate()
        process.wait()
    assert {key for _, key, _ in everything} == all_ids, "nothing lost"
    copies: dict[Any, set[str]] = {}
    for op, key, event in everything:
        copies.setdefault(key, set()).add(f"{op}:{event['source']['lsn']}")
    assert all(len(positions) == 1 for positions in copies.values()), (
        "a change sent twice carries the same source position, so consumers drop the copy"
    )


def test_a_table_the_database_does_not_have_is_refused_at_start(
    logical_postgres: PostgresServer, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    source = PostgresSource("nothing", logical_postgres.dsn(), ("nosuch",))
    capture = PostgresCapture(
        source, KafkaSink(kafka_settings, "test-refused"), OffsetStore(tmp_path / "o.db")
    )
    with pytest.raises(SourceError, match="has no table nosuch"):
        capture.run(threading.Event())


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
    waste: Waste, own_broker: EmbeddedBroker
) -> None:
    kafka = embedded_kafka_settings(own_broker.bootstrap_servers)
    topic = [TopicSpec(waste.topic, kafka.topic_partitions)]
    await ensure_topics(kafka, topic)
    waste.sql("INSERT INTO collections (id, uprn) VALUES (1, 1), (2, 2)")
    sink = KafkaSink(kafka, "test-reset")
    capture = PostgresCapture(waste.source, sink, waste.offsets, epoch_check_s=0.1)
    stop = threading.Event()
    # as `python -m townhall.connectors` runs it: a capture that fails while the
    # broker is away is started again, from its stored position
    thread = threading.Thread(
        target=supervise, args=(capture, stop), kwargs={"backoff": _soon}, daemon=True
    )
    thread.start()
    try:
        await changes_until(kafka, waste.topic, lambda found: len(found) >= 2)
        waste.sql("INSERT INTO collections (id, uprn) VALUES (3, 3)")
        await changes_until(kafka, waste.topic, lambda found: len(found) >= 3)
        own_broker.kill()  # memory-only: every topic is gone
        own_broker.start()
        await own_broker.prepare(kafka)  # a new epoch
        await ensure_topics(kafka, topic)
        waste.sql("INSERT INTO collections (id, uprn) VALUES (4, 4)")
        again = await changes_until(
            kafka, waste.topic, lambda found: {key for _, key, _ in found} >= {1, 2, 3, 4}
        )
    finally:
        stop.set()
        thread.join()
    assert {(op, key) for op, key, _ in again} == {("r", 1), ("r", 2), ("c", 3), ("c", 4)}
    positions = {(key, event["source"]["lsn"]) for _, key, event in again}
    assert len(positions) == 4, "anything sent twice carries its first position: deduplicated"


async def test_unscaled_numerics_and_intervals_arrive_as_debezium_types_in_snapshot_and_stream(
    waste: Waste,
) -> None:
    waste.sql(
        "ALTER TABLE collections ADD COLUMN charge NUMERIC, ADD COLUMN waited INTERVAL",
        "INSERT INTO collections (id, uprn, charge, waited) "
        "VALUES (1, 100023336956, 12.375, '1 mon 2 days 03:00:00')",
    )
    running = waste.start()
    try:
        await waste.changes(at_least=1)
        waste.sql(
            "INSERT INTO collections (id, uprn, charge, waited) "
            "VALUES (2, 100023336957, 1000, '1 mon 2 days 03:00:00')"
        )
        rows = {key: event["after"] for _, key, event in await waste.changes(at_least=2)}
        snapshot, streamed = rows[1], rows[2]
    finally:
        running.halt()
    assert snapshot["charge"]["scale"] == 3
    assert decode_decimal(snapshot["charge"]["value"], 3) == Decimal("12.375")
    assert streamed["charge"]["scale"] == 0
    month_two_days_three_hours = round((365.25 / 12 + 2) * 86_400_000_000 + 3 * 3_600_000_000)
    assert snapshot["waited"] == streamed["waited"] == month_two_days_three_hours
