"""The connectors' benchmark: legacy rows written, captured, and on residents' timelines.

    uv run --all-packages python connectors/bench/bench_connectors.py

For MariaDB (binary log) and PostgreSQL (logical decoding), each a fresh instance under a
temporary folder on the embedded broker:

* **baseline**: the legacy database's own write rate, rows committed per second (in
  transactions of 100 rows, as a batch job would write them), measured in the same run;
* **to the topic**: with Townhall's connector streaming the table, the same rows written
  again; change events per second from the first write to the last change event on
  ``legacy.<system>.bills``;
* **to the timeline**: those change events read by the legacy mapper's consumer (each
  bill an interaction of an account already matched, so identity is not asked: its own
  bench measures matching) and published on ``legacy.events``; entries per second.

Each rate is printed with its ratio to the baseline, and as bars. ``BENCH_CONNECTOR_ROWS``
(default 5,000) sets the size.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2
import pymysql
import yaml
from aiokafka import TopicPartition
from rich.console import Console
from rich.table import Table

from townhall.connectors.config import load_config
from townhall.connectors.mapper.identity import Answer, Decision
from townhall.connectors.mapper.service import MapperSettings, create
from townhall.connectors.mapper.store import remember
from townhall.connectors.offsets import OffsetStore
from townhall.connectors.runner import build, run_all
from townhall.connectors.servers import (
    start_mariadb,
    start_postgres,
    stop,
    stop_postgres,
)
from townhall.runtime.broker import EmbeddedBroker, free_port
from townhall.runtime.kafka import client_id, make_consumer
from townhall.runtime.settings import KafkaSettings, embedded_kafka_settings

ROWS = int(os.environ.get("BENCH_CONNECTOR_ROWS", "5000"))
BATCH = 100
ACCOUNTS = 10
MAPPING = """
system: {system}
people:
  accounts: {{name: holder}}
interactions:
  bills:
    person: {{table: accounts, key: [account_id]}}
    domain: council_tax
    sensitivity: sensitive
    type: bill
    summary:
      created: "Bill {{id}} of {{amount}} issued"
      updated: "Bill {{id}} changed"
"""


@dataclass
class Figures:
    source: str
    written_per_s: float
    to_topic_per_s: float
    to_timeline_per_s: float


class Source:
    """One legacy database under test: how to write to it and how to capture it."""

    def __init__(self, kind: str, connect: Callable[[], Any], connector: dict[str, Any]):
        self.kind, self.connect, self.connector = kind, connect, connector

    def write(self, table: str, rows: int) -> float:
        """Rows committed per second, in transactions of BATCH rows."""
        connection = self.connect()
        try:
            cursor = connection.cursor()
            values = [(1 + n % ACCOUNTS, f"£{n % 900 + 100}.00") for n in range(rows)]
            started = time.perf_counter()
            for at in range(0, rows, BATCH):
                cursor.executemany(
                    f"INSERT INTO {table} (account_id, amount) VALUES (%s, %s)",
                    values[at : at + BATCH],
                )
                connection.commit()
            return rows / (time.perf_counter() - started)
        finally:
            connection.close()


def mariadb_source(port: int) -> Source:
    admin = pymysql.connect(host="127.0.0.1", port=port, user="root", autocommit=True)
    with admin.cursor() as cursor:
        cursor.execute("CREATE DATABASE bench")
        for table in ("plain", "bills"):
            cursor.execute(
                f"CREATE TABLE bench.{table} (id INT AUTO_INCREMENT PRIMARY KEY, "
                "account_id INT NOT NULL, amount VARCHAR(20) NOT NULL)"
            )
    admin.close()
    return Source(
        "MariaDB (binary log)",
        lambda: pymysql.connect(host="127.0.0.1", port=port, user="root", database="bench"),
        {
            "kind": "mysql",
            "system": "benchtax",
            "port": port,
            "user": "root",
            "database": "bench",
            "tables": ["bills"],
        },
    )


def postgres_source(dsn: str) -> Source:
    admin = psycopg2.connect(dsn)
    admin.autocommit = True
    with admin.cursor() as cursor:
        for table in ("plain", "bills"):
            cursor.execute(
                f"CREATE TABLE {table} (id SERIAL PRIMARY KEY, account_id INT NOT NULL, "
                "amount VARCHAR(20) NOT NULL)"
            )
    admin.close()
    return Source(
        "PostgreSQL (logical decoding)",
        lambda: psycopg2.connect(dsn),
        {"kind": "postgresql", "system": "benchwaste", "dsn": dsn, "tables": ["bills"]},
    )


async def count_until(kafka: KafkaSettings, topic: str, wanted: int, timeout_s: float) -> float:
    """Read ``topic`` from the start until ``wanted`` records; return when the last came."""
    consumer = make_consumer(kafka, group_id=None, client_id=client_id("bench"))
    await consumer.start()
    try:
        seen, deadline = 0, time.monotonic() + timeout_s
        while True:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
            if partitions:
                break
            await asyncio.sleep(0.1)
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        while seen < wanted:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: {seen} of {wanted} records")
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                seen += sum(1 for record in batch if record.value is not None)
        return time.perf_counter()
    finally:
        await consumer.stop()


async def measure(source: Source, kafka: KafkaSettings, folder: Path) -> Figures:
    written = source.write("plain", ROWS)
    system = source.connector["system"]
    config = folder / f"{system}.yaml"
    config.write_text(yaml.safe_dump({"offsets": str(folder / f"{system}.db"),
                                      "connectors": [source.connector]}))  # fmt: skip
    offsets = OffsetStore(folder / f"{system}.db")
    captures = build(load_config(config), kafka, offsets)
    stopping = threading.Event()
    thread = threading.Thread(target=run_all, args=(captures, stopping), daemon=True)
    thread.start()
    await asyncio.to_thread(_snapshot_done, offsets, captures[0].name)
    topic = f"legacy.{system}.bills"
    started = time.perf_counter()
    await asyncio.to_thread(source.write, "bills", ROWS)
    last = await count_until(kafka, topic, ROWS, timeout_s=600)
    to_topic = ROWS / (last - started)
    stopping.set()
    thread.join(timeout=30)
    offsets.close()
    to_timeline = await map_to_timeline(kafka, folder, system)
    return Figures(source.kind, written, to_topic, to_timeline)


def _snapshot_done(offsets: OffsetStore, name: str) -> None:
    """Wait until the connector stored its first position (its empty snapshot is done)."""
    while offsets.load(name) is None:
        time.sleep(0.05)


class KnownAccounts:
    async def match(self, body: dict[str, Any]) -> Answer:
        raise AssertionError("the bench's accounts are all known already")

    async def decision(self, review_id: uuid.UUID) -> Decision:
        raise AssertionError("the bench's accounts are all known already")


async def map_to_timeline(kafka: KafkaSettings, folder: Path, system: str) -> float:
    """The mapper's consumer from the start of the bills topic to ROWS entries published."""
    mapping = folder / f"{system}-mapping.yaml"
    mapping.write_text(MAPPING.format(system=system))
    url = f"sqlite+aiosqlite:///{folder / f'{system}-legacy.db'}"
    settings = MapperSettings(database_url=url, kafka=kafka, legacy_mappings=[mapping],
                              consumer_batch_size=500)  # fmt: skip
    app = create(settings, matcher=KnownAccounts())
    async with app.router.lifespan_context(app):
        runtime = app.state.mapper.runtime
        async with runtime.sessions.begin() as session:
            for account in range(1, ACCOUNTS + 1):
                await remember(session, system, "accounts", str(account), 0, outcome="linked",
                               resident_id=uuid.uuid4(), review_id=None,
                               at=datetime.now(UTC))  # fmt: skip
        started = time.perf_counter()
        last = await count_entries(kafka, system, ROWS)
    return ROWS / (last - started)


async def count_entries(kafka: KafkaSettings, system: str, wanted: int) -> float:
    consumer = make_consumer(kafka, group_id=None, client_id=client_id("bench"))
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic("legacy.events") or set()
        consumer.assign([TopicPartition("legacy.events", p) for p in partitions])
        await consumer.seek_to_beginning()
        seen, deadline = 0, time.monotonic() + 600
        marker = f'"system":"{system}"'.encode()
        while seen < wanted:
            if time.monotonic() > deadline:
                raise TimeoutError(f"legacy.events: {seen} of {wanted} entries")
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                seen += sum(1 for r in batch if r.value and marker in r.value.replace(b" ", b""))
        return time.perf_counter()
    finally:
        await consumer.stop()


def report(figures: list[Figures]) -> None:
    console = Console()
    table = Table(title=f"Legacy connectors: {ROWS:,} rows, change events per second")
    for column in ("source", "written (baseline)", "to the topic", "ratio",
                   "to the timeline", "ratio"):  # fmt: skip
        table.add_column(column, justify="left" if column == "source" else "right")
    for f in figures:
        table.add_row(
            f.source, f"{f.written_per_s:,.0f}/s", f"{f.to_topic_per_s:,.0f}/s",
            f"{f.to_topic_per_s / f.written_per_s:.2f}x", f"{f.to_timeline_per_s:,.0f}/s",
            f"{f.to_timeline_per_s / f.written_per_s:.2f}x",
        )  # fmt: skip
    console.print(table)
    top = max(max(f.written_per_s, f.to_topic_per_s, f.to_timeline_per_s) for f in figures)
    for f in figures:
        console.print(f"[bold]{f.source}[/bold]")
        for label, rate in (("written", f.written_per_s), ("to the topic", f.to_topic_per_s),
                            ("to the timeline", f.to_timeline_per_s)):  # fmt: skip
            bar = "█" * max(1, round(40 * rate / top))
            console.print(f"  {label:>16} {bar} {rate:,.0f}/s")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as workdir:
        folder = Path(workdir)
        folder.chmod(0o755)  # the PostgreSQL server runs as the postgres user
        broker = EmbeddedBroker(free_port(), log_file=folder / "broker.log")
        broker.start()
        kafka = embedded_kafka_settings(broker.bootstrap_servers)
        maria = start_mariadb(folder / "mariadb")
        pg_root = folder / "pg"
        pg_root.mkdir()
        pg = start_postgres(pg_root)
        try:
            sources = [mariadb_source(maria.port), postgres_source(pg.dsn())]
            figures = asyncio.run(measure_all(sources, kafka, folder, broker))
        finally:
            stop(maria.process)
            stop_postgres(pg)
            broker.stop()
    report(figures)


async def measure_all(
    sources: list[Source], kafka: KafkaSettings, folder: Path, broker: EmbeddedBroker
) -> list[Figures]:
    await broker.prepare(kafka)
    return [await measure(source, kafka, folder) for source in sources]


if __name__ == "__main__":
    main()
