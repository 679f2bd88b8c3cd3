"""Helpers for the connectors' tests: change events read back from the broker, a
connector run as ``python -m townhall.connectors``, and the database servers with
change capture turned on (:mod:`townhall.connectors.servers`, re-exported here).

Tests that take the servers also take the broker (change capture publishes to Kafka),
which marks them ``broker`` and lets them start processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from aiokafka import ConsumerRecord, TopicPartition

from townhall.connectors.debezium.envelope import Change, Source, Table, records
from townhall.connectors.servers import MariaDBServer as MariaDBServer
from townhall.connectors.servers import PostgresServer as PostgresServer
from townhall.connectors.servers import start_mariadb as start_mariadb
from townhall.connectors.servers import start_postgres as start_postgres
from townhall.connectors.servers import stop as stop
from townhall.connectors.servers import stop_postgres as stop_postgres
from townhall.runtime.kafka import client_id, make_consumer
from townhall.runtime.settings import KafkaSettings, embedded_environment
from townhall.runtime.testkit.topics import read_all


async def changes_on(
    kafka: KafkaSettings, topic: str, *, at_least: int, key: str = "id"
) -> list[tuple[str, Any, Any]]:
    """(op or "tombstone", the key's ``key`` field, the decoded event) per record on ``topic``,
    in partition then offset order (so in order for each key)."""
    found = await read_all(kafka, topic, at_least=at_least)
    return _decoded(list(found), key)


async def changes_until(
    kafka: KafkaSettings,
    topic: str,
    done: Callable[[list[tuple[str, Any, Any]]], bool],
    *,
    key: str = "id",
    timeout_s: float = 60.0,
) -> list[tuple[str, Any, Any]]:
    """Every change on ``topic`` (as ``changes_on``) read until ``done(changes)`` holds."""
    consumer = make_consumer(kafka, group_id=None, client_id=client_id("changes"))
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        found: list[Any] = []
        changes: list[tuple[str, Any, Any]] = []
        deadline = time.monotonic() + timeout_s
        while not done(changes):
            if time.monotonic() > deadline:
                raise AssertionError(f"not done within {timeout_s}s: {ops_by_key(changes)}")
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                found.extend(batch)
            changes = _decoded(found, key)
        return changes
    finally:
        await consumer.stop()


def _decoded(found: list[Any], key: str) -> list[tuple[str, Any, Any]]:
    out: list[tuple[str, Any, Any]] = []
    for record in sorted(found, key=lambda record: (record.partition, record.offset)):
        row_key = json.loads(record.key or b"null")[key]
        if record.value is None:
            out.append(("tombstone", row_key, None))
        else:
            event = json.loads(record.value)
            out.append((event["op"], row_key, event))
    return out


def ops_by_key(changes: list[tuple[str, Any, Any]]) -> dict[Any, list[str]]:
    ops: dict[Any, list[str]] = {}
    for op, key, _ in changes:
        ops.setdefault(key, []).append(op)
    return ops


def write_config(folder: Path, config: dict[str, Any]) -> Path:
    path = folder / "connectors.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def connector_process(kafka: KafkaSettings, config: Path) -> subprocess.Popen[bytes]:
    """``python -m townhall.connectors`` on the embedded broker, as ``townhall up`` runs it."""
    env = {
        **os.environ,
        **embedded_environment(),
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
    }
    argv = [sys.executable, "-m", "townhall.connectors", "--config", str(config)]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


#: When the test changes reached the log (2026-01-01T00:00:00Z, Kafka's milliseconds).
LOGGED_AT_MS = 1_767_225_600_000


def consumer_record(
    topic: str, key: bytes | None, value: bytes | None, offset: int = 0
) -> ConsumerRecord[bytes, bytes]:
    """A record as the mapper's consumer is handed it, logged at :data:`LOGGED_AT_MS`."""
    return ConsumerRecord(topic, 0, offset, LOGGED_AT_MS, 0, key, value, None, 0, 0, [])


def change_records(
    table: Table, op: str, row: dict[str, Any], *, pos: int = 900, schemas: bool = False
) -> list[ConsumerRecord[bytes, bytes]]:
    """What Townhall's MySQL connector publishes for ``op`` (``c``, ``u``, ``d``; a delete
    is followed by its tombstone) of ``row`` at binlog position ``pos``."""
    position = {"server_id": 1, "gtid": None, "file": "binlog.000002", "pos": pos, "row": 0}
    source = Source(ts_ms=LOGGED_AT_MS, snapshot="false", position=position)
    before, after = (row, None) if op == "d" else (None, row)
    made = records(Change(table, op, before, after, source, ts_ns=1), schemas=schemas)  # type: ignore[arg-type]
    return [consumer_record(r.topic, r.key, r.value, offset) for offset, r in enumerate(made)]
