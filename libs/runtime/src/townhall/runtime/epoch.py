"""Noticing that the broker lost its data.

The embedded broker keeps everything in memory: a restart loses every topic and
committed offset, clients reconnect by themselves, and a consumer that keeps its old
positions silently skips new records. So the platform writes a *broker epoch*: a
random id in the first record (offset 0) of partition 0 of ``townhall.control``.
Whoever finds that partition empty claims a new epoch; the record at offset 0 is the
epoch, so concurrent claims agree. A relay or consumer that sees the epoch change
knows the broker was reset: relays re-publish their retained outbox rows, consumers
rewind to the beginning and let their dedupe drop what they already applied.

On Apache Kafka the control topic is persistent and the epoch never changes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from townhall.runtime.kafka import client_id, ensure_topics, make_consumer, make_producer
from townhall.runtime.settings import KafkaSettings
from townhall.schemas.topics import CONTROL_TOPIC

log = logging.getLogger(__name__)

_PARTITION = TopicPartition(CONTROL_TOPIC, 0)


class BrokerEpoch:
    """Reads (and when missing, claims) the broker epoch."""

    def __init__(self, settings: KafkaSettings, read_timeout_ms: int = 300):
        self.settings = settings
        self.read_timeout_ms = read_timeout_ms
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._starting = asyncio.Lock()

    async def start(self) -> None:
        """Connect (idempotent; :meth:`read` and :meth:`current` call it when needed)."""
        async with self._starting:
            if self._consumer is not None:
                return
            consumer = make_consumer(
                self.settings, group_id=None, client_id=client_id("epoch"), fetch_max_wait_ms=50
            )
            await consumer.start()
            consumer.assign([_PARTITION])
            self._producer = make_producer(self.settings, client_id("epoch"))
            await self._producer.start()
            self._consumer = consumer

    async def stop(self) -> None:
        if self._consumer:
            await self._consumer.stop()
        if self._producer:
            await self._producer.stop()
        self._consumer = self._producer = None

    async def read(self) -> str | None:
        """The epoch now on the broker, or None when the control partition is empty."""
        await self.start()
        assert self._consumer is not None
        self._consumer.seek(_PARTITION, 0)
        batch = await self._consumer.getmany(
            _PARTITION, timeout_ms=self.read_timeout_ms, max_records=1
        )
        for record in batch.get(_PARTITION, []):
            if record.offset == 0 and record.value is not None:
                return str(json.loads(record.value)["epoch"])
        return None

    async def current(self) -> str:
        """The epoch, claiming a new one (and recreating topics) if the broker lost it."""
        async with self._lock:
            epoch = await self.read()
            if epoch is not None:
                return epoch
            await ensure_topics(self.settings)
            await self._claim()
            for _ in range(20):
                epoch = await self.read()
                if epoch is not None:
                    return epoch
            raise RuntimeError("claimed a broker epoch but cannot read it back")

    async def _claim(self) -> None:
        await self.start()
        assert self._producer is not None
        claim = {"epoch": uuid.uuid4().hex, "claimed_at": datetime.now(UTC).isoformat()}
        await self._producer.send_and_wait(
            CONTROL_TOPIC, json.dumps(claim).encode(), key=b"epoch", partition=0
        )
        log.info("broker epoch claimed", extra={"epoch": claim["epoch"]})
