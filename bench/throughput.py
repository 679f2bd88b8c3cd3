"""Raw aiokafka consumption (the baseline) against the projection's sustained rate."""

from __future__ import annotations

import asyncio
import time
import uuid

from aiokafka import TopicPartition
from sqlalchemy import func, select

from townhall.resident_view.adapters.orm import timeline_entries
from townhall.resident_view.entrypoints.api.app import MIGRATIONS
from townhall.resident_view.projection import Projector
from townhall.runtime.binding import KafkaRecord
from townhall.runtime.consumer import IdempotentConsumer
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.kafka import client_id, ensure_topics, make_consumer, make_producer
from townhall.runtime.migrations import upgrade
from townhall.runtime.settings import KafkaSettings
from townhall.schemas.topics import TopicSpec


async def load_topic(kafka: KafkaSettings, records: list[KafkaRecord]) -> str:
    topic = f"bench.{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka, [TopicSpec(topic, kafka.topic_partitions)])
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
    return topic


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


async def projection_rate(kafka: KafkaSettings, topic: str, count: int, url: str) -> float:
    """Records per second the resident-view projection applies, end to end, into ``url``."""
    await upgrade(url, MIGRATIONS)
    engine = create_engine(url)
    sessions = session_factory(engine)
    epoch = BrokerEpoch(kafka)
    await epoch.start()
    consumer = IdempotentConsumer(
        group=f"bench-{uuid.uuid4().hex[:6]}",
        topics=[topic],
        handler=Projector(1),
        sessions=sessions,
        kafka=kafka,
        epoch=epoch,
        batch_size=2000,
        handler_dedupes=True,  # as resident-view runs it (live.consumer_spec)
    )

    async def consumed() -> int:
        """Records committed so far: read from the consumer, so sampling costs the
        store nothing (a COUNT on SQLite's one connection would slow what it measures)."""
        progress = await consumer.progress()
        return progress[0] if progress else 0

    await consumer.start()
    try:
        while await consumed() == 0:  # noqa: ASYNC110 - measure once assigned and flowing
            await asyncio.sleep(0.01)
        first, started = await consumed(), time.perf_counter()
        while (done := await consumed()) < count:  # noqa: ASYNC110 - sampling progress
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        async with sessions() as session:
            query = select(func.count()).select_from(timeline_entries)
            stored = int((await session.execute(query)).scalar_one())
        if stored != count:
            raise RuntimeError(f"the projection stored {stored:,} of {count:,} events")
        return (done - first) / elapsed
    finally:
        await consumer.stop()
        await epoch.stop()
        await engine.dispose()
