"""`python -m bench`: every figure measured in one run, on one embedded broker."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, TaskID

from bench import latency
from bench.costs import stage_costs
from bench.reads import timeline_read_latency
from bench.report import Report
from bench.throughput import load_topic, projection_rate, raw_consume_rate
from bench.workload import registered_records
from townhall.runtime.broker import EmbeddedBroker, free_port
from townhall.runtime.logging import configure_logging
from townhall.runtime.settings import embedded_kafka_settings
from townhall.runtime.testkit.fixtures import DEFAULT_POSTGRES, PostgresDatabases

EVENTS = int(os.environ.get("BENCH_EVENTS", "50000"))
RATE = float(os.environ.get("BENCH_RATE", "500"))
STORE = int(os.environ.get("BENCH_STORE", "1000000"))
READS = int(os.environ.get("BENCH_READS", "1000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
#: Projection processes sharing the partitions (resident-view's serve + project): one
#: per core, at most one per partition.
PROCESSES = int(os.environ.get("BENCH_PROCESSES", str(min(os.cpu_count() or 1, 4))))
console = Console(width=110)


async def measure(report: Report, kafka_bootstrap: str, workdir: Path) -> None:
    kafka = embedded_kafka_settings(kafka_bootstrap)
    records = registered_records(EVENTS)
    with console.status(f"writing {EVENTS:,} events to the broker"):
        topic = await load_topic(kafka, records)
    with console.status("baseline: raw aiokafka consumption, three times"):
        # it varies by a third from run to run on a small machine: the median, and the
        # range beside it, so a ratio is not flattered (or hurt) by one lucky read
        runs = [await raw_consume_rate(kafka, topic, EVENTS) for _ in range(3)]
        report.baseline("raw aiokafka consume (median of 3)", runs)
    postgres = PostgresDatabases(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    try:
        for processes in sorted({1, PROCESSES}):
            one_each = "1 process" if processes == 1 else f"{processes} processes"
            with console.status(f"projection into SQLite, {one_each}"):
                url = f"sqlite+aiosqlite:///{workdir / f'bench-{processes}.db'}"
                rate = await projection_rate(kafka, records, url, processes)
                report.rate(f"projection → SQLite, {one_each}", rate)
            with console.status(f"projection into PostgreSQL, {one_each}"):
                url = await postgres.create()
                rate = await projection_rate(kafka, records, url, processes)
                report.rate(f"projection → PostgreSQL, {one_each}", rate)
        with console.status("the projection's stages, one at a time"):
            report.stages(await stage_costs(records[:20_000], workdir))
        await postgres.drop_all()  # idle stores still get autovacuum's visits: not now
        for kind in ("SQLite", "PostgreSQL"):
            if kind == "SQLite":
                url = f"sqlite+aiosqlite:///{workdir / 'reads.db'}"
            else:
                url = await postgres.create()
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task(f"timeline reads on {kind}: writing {STORE:,} entries")
                measured = await timeline_read_latency(
                    kafka,
                    url,
                    workdir,
                    total=STORE,
                    mine=5000,
                    reads=READS,
                    progress=_advancing(bar, task),
                )
            report.reads(f"timeline page, {kind}", measured)
    finally:
        await postgres.drop_all()


def _advancing(bar: Progress, task: TaskID) -> Callable[[int, int], None]:
    def advance(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return advance


def measure_latency(report: Report, workdir: Path) -> None:
    postgres = PostgresDatabases(os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES))
    try:
        for kind in ("SQLite", "PostgreSQL"):
            if kind == "PostgreSQL":
                databases = {name: asyncio.run(postgres.create()) for name in latency.SERVICES}
                source_db = asyncio.run(postgres.create())
            else:
                databases, source_db = None, f"sqlite+aiosqlite:///{workdir / kind / 'source.db'}"
            with console.status(f"end-to-end latency on {kind} at {RATE:.0f} events/s"):
                platform = latency.start_platform(workdir / kind, databases)
                try:
                    measured = asyncio.run(latency.measure(platform, source_db, RATE, SECONDS))
                finally:
                    platform.stop()
            report.latency(f"outbox → resident-view, {kind}", measured)
    finally:
        asyncio.run(postgres.drop_all())


def main() -> int:
    configure_logging("bench", level="WARNING", json=False)  # progress bars, not access logs
    report = Report(console)
    broker = EmbeddedBroker(port=free_port())
    broker.start()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            asyncio.run(broker.prepare(embedded_kafka_settings(broker.bootstrap_servers)))
            asyncio.run(measure(report, broker.bootstrap_servers, Path(workdir)))
    finally:
        broker.stop()
    with tempfile.TemporaryDirectory() as workdir:
        measure_latency(report, Path(workdir))
    report.show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
