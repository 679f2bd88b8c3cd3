"""Raw aiokafka consumption (the baseline) against the projection's sustained rate."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

from aiokafka import TopicPartition
from sqlalchemy import func, select

from townhall.resident_view.adapters.orm import MIGRATIONS, timeline_entries
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.projection.generations import Generation
from townhall.resident_view.projection.live import consumer_spec
from townhall.runtime.binding import KafkaRecord
from townhall.runtime.db import create_engine
from townhall.runtime.kafka import client_id, ensure_topics, make_consumer, make_producer
from townhall.runtime.migrations import upgrade
from townhall.runtime.service import ConsumerSpec, ServiceRuntime
from townhall.runtime.settings import KafkaSettings
from townhall.schemas.topics import TopicSpec


async def load_topic(kafka: KafkaSettings, records: list[KafkaRecord]) -> str:
    topic = f"bench.{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka, [TopicSpec(topic, kafka.topic_partitions)])
    await _write(kafka, topic, records)
    return topic


async def _write(kafka: KafkaSettings, topic: str, records: list[KafkaRecord]) -> None:
    producer = make_producer(kafka, client_id("bench"))
    await producer.start()
    try:
        for start in range(0, len(records), 5000):
            futures = [
                await producer.send(topic, r.value, key=r.key, headers=r.headers)
                for r in records[start : start + 5000]
            ]
            for future in futures:
                await future
    finally:
        await producer.stop()


async def raw_consume_rate(kafka: KafkaSettings, topic: str, count: int) -> float:
    """Records per second a plain aiokafka consumer reads, once assigned."""
    consumer = make_consumer(kafka, group_id=None, client_id=client_id("bench-raw"))
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        await consumer.seek_to_beginning()
        seen, started = 0, time.perf_counter()
        while seen < count:
            for batch in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                seen += len(batch)
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()


def _project(
    kafka: KafkaSettings, group: str, topic: str, url: str, slot: int, shared: Shared
) -> None:
    """One projection process (spawned): resident-view's own consumer, handler and
    settings, on the bench's topic, into ``url``; it reports how many partitions it
    holds in ``shared.assigned[slot]``."""
    # the product's handler, validation and dedupe; only the topic is the bench's own
    spec = replace(consumer_spec(Generation(1, group)), topics=[topic], pattern=None)
    asyncio.run(_projecting(kafka, spec, url, slot, shared))


async def _projecting(
    kafka: KafkaSettings, spec: ConsumerSpec, url: str, slot: int, shared: Shared
) -> None:
    settings = ResidentViewSettings(database_url=url, kafka=kafka)
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS, produces=False)
    consumer = runtime.make_consumer(spec)
    run = consumer._run

    async def gated() -> None:
        """Join the group at once, fetch nothing until every process holds partitions:
        a rebalance while one of them has started would fall inside the measurement."""
        while not shared.go.is_set():  # noqa: ASYNC110 - a multiprocessing Event
            await asyncio.sleep(0.005)
        await run()

    consumer._run = gated  # type: ignore[method-assign]
    runtime.add(consumer)
    await runtime.start()
    try:
        while not shared.stop.is_set():
            held = consumer._consumer.assignment() if consumer._consumer else set()
            shared.assigned[slot] = len(held)
            progress = await consumer.progress()  # offsets applied on the partitions held
            shared.done[slot] = progress[0] if progress else 0
            await asyncio.sleep(0.01)
    finally:
        await runtime.stop()


@dataclass
class Shared:
    """What the measuring process and its projection processes share."""

    assigned: Any  # multiprocessing Array of int, one slot per process
    done: Any  # the same: records applied and committed
    go: Any  # multiprocessing Event: start fetching
    stop: Any  # multiprocessing Event


async def projection_rate(
    kafka: KafkaSettings, records: list[KafkaRecord], url: str, processes: int = 1
) -> float:
    """Events per second ``processes`` projection processes apply into ``url``, sharing
    a topic's partitions as resident-view's `serve` and `project` processes do.

    The events are written first. The processes join the group and fetch nothing until
    it is balanced, so no rebalance falls inside the measurement, which runs from the
    moment they may fetch until they have committed the last offset. Each process
    reports its progress from its consumer into shared memory, so sampling costs the
    store nothing.
    """
    count = len(records)
    await upgrade(url, MIGRATIONS)
    topic = await load_topic(kafka, records)
    group = Generation.new(1).group
    context = multiprocessing.get_context("spawn")
    shared = Shared(
        context.Array("i", processes),
        context.Array("q", processes),
        context.Event(),
        context.Event(),
    )
    workers = [
        context.Process(target=_project, args=(kafka, group, topic, url, slot, shared), daemon=True)
        for slot in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        while not _balanced(list(shared.assigned), kafka.topic_partitions):
            _alive(workers)
            await asyncio.sleep(0.02)
        shared.go.set()
        started = time.perf_counter()
        while (done := int(sum(shared.done))) < count:
            _alive(workers)
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
    finally:
        shared.stop.set()
        for worker in workers:
            await asyncio.to_thread(worker.join, 30)
    stored = await _stored(url)
    if stored != count:
        raise RuntimeError(f"the projection stored {stored:,} of {count:,} events")
    return done / elapsed


def _alive(workers: list[Any]) -> None:
    if dead := [w.exitcode for w in workers if not w.is_alive()]:
        raise RuntimeError(f"a projection process exited (exit codes {dead}); see its output")


def _balanced(assigned: list[int], partitions: int) -> bool:
    """Every process holds partitions, and together all of them (the group is stable)."""
    return all(assigned) and sum(assigned) == partitions


async def _stored(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).select_from(timeline_entries)
            return int((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()
