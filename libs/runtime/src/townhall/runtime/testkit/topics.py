"""Reading and writing raw records, for tests that look beneath the runtime."""

from __future__ import annotations

import time

from aiokafka import ConsumerRecord, TopicPartition

from townhall.runtime.binding import to_record
from townhall.runtime.kafka import client_id, make_consumer, make_producer
from townhall.runtime.settings import KafkaSettings
from townhall.schemas.envelope import Envelope


async def read_all(
    kafka: KafkaSettings, topic: str, *, at_least: int, timeout_s: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on ``topic`` from the beginning, once there are ``at_least``."""
    consumer = make_consumer(kafka, group_id=None, client_id=client_id("reader"))
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        records: list[ConsumerRecord[bytes, bytes]] = []
        deadline = time.monotonic() + timeout_s
        while len(records) < at_least and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def send_raw(
    kafka: KafkaSettings,
    topic: str,
    value: bytes | None,
    *,
    key: bytes = b"raw",
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    producer = make_producer(kafka, client_id("raw"))
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers or [])
    finally:
        await producer.stop()


async def publish(kafka: KafkaSettings, topic: str, *envelopes: Envelope) -> None:
    """Send envelopes as a producing service's relay would (binary mode, keyed)."""
    producer = make_producer(kafka, client_id("publish"))
    await producer.start()
    try:
        for envelope in envelopes:
            record = to_record(envelope)
            await producer.send_and_wait(
                topic, record.value, key=record.key, headers=record.headers
            )
    finally:
        await producer.stop()
