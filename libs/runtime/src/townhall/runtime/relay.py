"""The relay: publishes outbox rows to Kafka in sequence order, acks=all.

At-least-once: a row is marked published only after the broker acknowledged it, so a
crash between the two publishes it again and consumers drop the duplicate. Published
rows are kept for the retention window; when the broker epoch changes (the broker lost
its data) every retained row is queued again, so consumers can rebuild from scratch.
One relay per database holds a lease; replicas of a service stand by.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime import metrics
from townhall.runtime.binding import to_record
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.kafka import client_id, make_producer
from townhall.runtime.outbox import Outbox, backlog
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.state import get_value, set_value, try_lease
from townhall.runtime.tables import outbox as outbox_table
from townhall.schemas.envelope import Envelope

log = logging.getLogger(__name__)

AfterPublish = Callable[[Sequence[Row[Any, Any, Any, Any]]], Awaitable[None]]
EPOCH_STATE = "relay.broker_epoch"
LEASE = "relay.lease"


class OutboxRelay:
    def __init__(
        self,
        *,
        outbox: Outbox,
        sessions: async_sessionmaker[AsyncSession],
        kafka: KafkaSettings,
        epoch: BrokerEpoch,
        batch_size: int = 500,
        poll_interval_s: float = 0.05,
        retention_s: float = 14 * 24 * 3600,
        lease_s: float = 10.0,
        after_publish: AfterPublish | None = None,
    ):
        self.outbox = outbox
        self.sessions = sessions
        self.kafka = kafka
        self.epoch = epoch
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.retention = timedelta(seconds=retention_s)
        self.lease = timedelta(seconds=lease_s)
        self.after_publish = after_publish
        self.owner = uuid.uuid4().hex
        self._producer: AIOKafkaProducer | None = None
        self._task: asyncio.Task[None] | None = None
        self._lease_until = datetime.min.replace(tzinfo=UTC)
        self._next_epoch_check = 0.0
        self._next_housekeeping = 0.0
        self.ready = False

    async def start(self) -> None:
        self._producer = make_producer(self.kafka, client_id(f"{self.outbox.service}-relay"))
        await self._producer.start()
        self._task = asyncio.create_task(self._run(), name=f"{self.outbox.service}-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._producer:
            await self._producer.stop()

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            try:
                published = await self.run_once()
                backoff = 0.1
            except Exception:
                metrics.RELAY_ERRORS.labels(self.outbox.service).inc()
                log.exception("relay pass failed; retrying", extra={"retry_in_s": backoff})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if not published:
                self.outbox.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.outbox.wakeup.wait(), self.poll_interval_s)

    async def run_once(self) -> int:
        """One pass: hold the lease, follow the broker epoch, publish one batch."""
        if not await self._hold_lease():
            return 0
        if time.monotonic() >= self._next_epoch_check:
            await self.check_epoch()
            self._next_epoch_check = time.monotonic() + self.kafka.epoch_check_interval_s
        if time.monotonic() >= self._next_housekeeping:
            await self._housekeeping()
            self._next_housekeeping = time.monotonic() + 1.0
        self.ready = True
        return await self._publish_batch()

    async def check_epoch(self) -> None:
        """Queue every retained row again if the broker lost its data since we published."""
        current = await self.epoch.current()
        async with self.sessions.begin() as session:
            seen = await get_value(session, EPOCH_STATE)
            if seen == current:
                return
            if seen is not None:
                result = await session.execute(
                    update(outbox_table)
                    .where(outbox_table.c.published_at.is_not(None))
                    .values(published_at=None)
                )
                count = int(result.rowcount)  # type: ignore[attr-defined]
                metrics.OUTBOX_REPUBLISHED.labels(self.outbox.service).inc(count)
                metrics.BROKER_RESETS.labels(f"{self.outbox.service}-relay").inc()
                log.warning(
                    "broker lost its data; re-publishing retained outbox rows",
                    extra={"rows": count, "old_epoch": seen, "new_epoch": current},
                )
            await set_value(session, EPOCH_STATE, current)

    async def _publish_batch(self) -> int:
        assert self._producer is not None, "start() first"
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(
                        outbox_table.c.sequence,
                        outbox_table.c.topic,
                        outbox_table.c.key,
                        outbox_table.c.envelope,
                    )
                    .where(outbox_table.c.published_at.is_(None))
                    .order_by(outbox_table.c.sequence)
                    .limit(self.batch_size)
                )
            ).all()
        if not rows:
            return 0
        futures = []
        for row in rows:
            record = to_record(Envelope.model_validate_json(row.envelope))
            futures.append(
                await self._producer.send(
                    row.topic, record.value, key=record.key, headers=record.headers
                )
            )
        await asyncio.gather(*futures)
        if self.after_publish:
            await self.after_publish(rows)
        async with self.sessions.begin() as session:
            await session.execute(
                update(outbox_table)
                .where(outbox_table.c.sequence.in_([row.sequence for row in rows]))
                .values(
                    published_at=datetime.now(UTC),
                    publish_count=outbox_table.c.publish_count + 1,
                )
            )
        metrics.OUTBOX_PUBLISHED.labels(self.outbox.service).inc(len(rows))
        return len(rows)

    async def _hold_lease(self) -> bool:
        now = datetime.now(UTC)
        if self._lease_until - now > self.lease / 2:
            return True
        async with self.sessions.begin() as session:
            held = await try_lease(session, LEASE, self.owner, now=now, until=now + self.lease)
        self._lease_until = now + self.lease if held else datetime.min.replace(tzinfo=UTC)
        return held

    async def _housekeeping(self) -> None:
        cutoff = datetime.now(UTC) - self.retention
        async with self.sessions.begin() as session:
            await session.execute(delete(outbox_table).where(outbox_table.c.published_at < cutoff))
            metrics.OUTBOX_BACKLOG.labels(self.outbox.service).set(await backlog(session))
