"""The idempotent consumer.

For each batch of records from one partition, in one database transaction: drop the
events this group already processed, apply the rest through the handler, record them
as processed; only then commit the Kafka offset. Malformed and unprocessable records go
to the group's dead-letter topic with the reason and their original headers; transient
failures are retried with backoff. The consumer never crashes on a message and never
skips one silently. It follows the broker epoch (see townhall.runtime.epoch): when the
broker lost its data it rewinds to the beginning and lets the dedupe drop repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, TypeAlias

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.errors import KafkaError
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime import metrics
from townhall.runtime.binding import MalformedEventError, from_record
from townhall.runtime.db import insert_or_ignore
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.errors import Failure, classify
from townhall.runtime.kafka import client_id, ensure_topics, make_consumer, make_producer
from townhall.runtime.logging import bind_correlation_id
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.state import get_value, set_value
from townhall.runtime.tables import processed_events
from townhall.schemas.envelope import Envelope
from townhall.schemas.registry import parse_event
from townhall.schemas.topics import TopicSpec, dlq_topic

log = logging.getLogger(__name__)

#: Applies a batch in the consumer's transaction. A handler that deduplicates by itself
#: (``handler_dedupes=True``) returns how many of the envelopes were new.
BatchHandler = Callable[[AsyncSession, Sequence[Envelope]], Awaitable[int | None]]
Validator = Callable[[Envelope], object]
Record: TypeAlias = ConsumerRecord[bytes, bytes]
CONFLICT_ATTEMPTS = 5
#: Records decoded between two turns of the event loop (see _decode_all)
DECODE_SLICE = 50


def validate_registered(envelope: Envelope) -> object:
    """Default validator: the type must be registered and its data must match the model."""
    return parse_event(envelope.type, envelope.data)


class Delivery(NamedTuple):
    """One record as decoded (a tuple: one is made per record on the hot path)."""

    record: Record
    envelope: Envelope | None
    error: str | None


class IdempotentConsumer:
    def __init__(
        self,
        *,
        group: str,
        topics: Sequence[str],
        handler: BatchHandler,
        sessions: async_sessionmaker[AsyncSession],
        kafka: KafkaSettings,
        epoch: BrokerEpoch,
        validate: Validator | None = validate_registered,
        batch_size: int = 500,
        retention_s: float = 14 * 24 * 3600,
        dead_letter_topic: str | None = None,
        handler_dedupes: bool = False,
        pattern: str | None = None,
    ):
        self.group = group
        self.topics = list(topics)
        #: A regular expression: every topic matching it is consumed too, including
        #: topics created later (found at the next metadata refresh).
        self.pattern = pattern
        self.handler = handler
        self.sessions = sessions
        self.kafka = kafka
        self.epoch = epoch
        self.validate = validate
        self.batch_size = batch_size
        self.retention = timedelta(seconds=retention_s)
        self.dlq = dead_letter_topic or dlq_topic(group)
        #: The handler's own writes are keyed by event id (e.g. INSERT … ON CONFLICT DO
        #: NOTHING), so the processed-events table would only repeat them.
        self.handler_dedupes = handler_dedupes
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._task: asyncio.Task[None] | None = None
        self._inflight: asyncio.Task[None] | None = None
        self._epoch_seen: str | None = None
        self._next_epoch_check = 0.0
        self._next_housekeeping = 0.0
        self.rewind_pending = False
        self.ready = False
        #: Per partition, the offset after the last record handled and committed.
        self._applied: dict[TopicPartition, int] = {}

    @property
    def name(self) -> str:
        return f"consumer {self.group}"

    async def progress(self) -> tuple[int, int] | None:
        """(records consumed, records available) over the assigned partitions, once every
        assigned partition has been fetched from; None before that."""
        if self._consumer is None or not (partitions := self._consumer.assignment()):
            return None
        done = available = 0
        for tp in partitions:
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                return None
            done += self._applied.get(tp, 0)
            available += highwater
        return done, available

    @property
    def epoch_state(self) -> str:
        return f"consumer.{self.group}.broker_epoch"

    async def start(self) -> None:
        await ensure_topics(self.kafka, [TopicSpec(self.dlq, self.kafka.topic_partitions)])
        self._producer = make_producer(self.kafka, client_id(f"{self.group}-dlq"))
        await self._producer.start()
        self._consumer = make_consumer(
            self.kafka, group_id=self.group, client_id=client_id(self.group)
        )
        await self._consumer.start()
        listener = _RewindOnAssign(self)
        if self.pattern is not None:
            self._consumer.subscribe(
                pattern=_with_topics(self.pattern, self.topics), listener=listener
            )
        else:
            self._consumer.subscribe(self.topics, listener=listener)
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer:
            await self._consumer.stop()
        if self._producer:
            await self._producer.stop()

    async def _run(self) -> None:
        """Fetch and decode the next records while the previous ones are written.

        The database work (a thread for SQLite, the server for PostgreSQL) overlaps the
        fetching and decoding on this one, so they cost the larger of the two, not both.
        At most one write is in flight, so offsets are still committed in order.
        """
        assert self._consumer is not None
        fetched: list[dict[TopicPartition, list[Record]]] = []
        while True:
            try:
                if time.monotonic() >= self._next_epoch_check:
                    await self.settle()
                    fetched.clear()
                    await self._follow_epoch()
                batches = await self._consumer.getmany(timeout_ms=200, max_records=self.batch_size)
                self.ready = True
                if batches:
                    fetched.append(batches)
                    deliveries = await self._decode_all(batches)
                    await self.settle()
                    del fetched[:-1]
                    self._inflight = asyncio.create_task(self._process(batches, deliveries))
                else:
                    await self.settle()
                    fetched.clear()
                    await self._housekeeping()
            except asyncio.CancelledError:
                if self._inflight is not None:
                    self._inflight.cancel()
                raise
            except Exception:
                log.exception("consumer pass failed; retrying", extra={"group": self.group})
                self._seek_back(fetched)
                fetched.clear()
                await asyncio.sleep(0.5)

    async def settle(self) -> None:
        """Wait for the write in flight, if any; its failure is raised here."""
        inflight, self._inflight = self._inflight, None
        if inflight is not None:
            await inflight

    def _seek_back(self, fetched: list[dict[TopicPartition, list[Record]]]) -> None:
        """A pass failed: read what it had fetched but not committed again."""
        assert self._consumer is not None
        assigned = self._consumer.assignment()
        first: dict[TopicPartition, int] = {}
        for batches in fetched:
            for tp, records in batches.items():
                if records and tp not in first:
                    first[tp] = self._applied.get(tp, records[0].offset)
        for tp, offset in first.items():
            if tp in assigned:
                self._consumer.seek(tp, offset)

    async def _process(
        self, batches: dict[TopicPartition, list[Record]], deliveries: list[Delivery]
    ) -> None:
        """One fetch, every partition in it: one transaction, then the offsets."""
        for delivery in deliveries:
            if delivery.error is not None:
                await self._dead_letter(delivery.record, delivery.error, delivery.envelope)
        valid = [d for d in deliveries if d.envelope is not None and d.error is None]
        if valid:
            await self._apply(valid)
        await self._commit({tp: records[-1].offset + 1 for tp, records in batches.items()})

    async def _decode_all(self, batches: dict[TopicPartition, list[Record]]) -> list[Delivery]:
        """Decode a fetch, giving the write in flight a turn every so often.

        A write is a string of steps (statements, a commit), each handed to the driver's
        thread or to the server; the next step starts only when this loop gets a turn.
        Decoding a whole fetch in one go would hold each step back until the end, so
        the write and the decoding would take turns rather than overlap.
        """
        deliveries: list[Delivery] = []
        for records in batches.values():
            for record in records:
                deliveries.append(self._decode(record))
                if len(deliveries) % DECODE_SLICE == 0:
                    await asyncio.sleep(0)
        return deliveries

    def _decode(self, record: Record) -> Delivery:
        try:
            envelope = from_record(record.key, record.value, record.headers)
        except MalformedEventError as exc:
            metrics.CONSUMER_FAILURES.labels(self.group, "malformed").inc()
            return Delivery(record, None, str(exc))
        if self.validate is not None:
            try:
                self.validate(envelope)
            except Exception as exc:
                metrics.CONSUMER_FAILURES.labels(self.group, "invalid").inc()
                return Delivery(record, envelope, f"{type(exc).__name__}: {exc}")
        return Delivery(record, envelope, None)

    async def _apply(self, deliveries: list[Delivery]) -> None:
        """Apply in one transaction; on a bad message split the batch to isolate it."""
        attempt = 0
        while True:
            try:
                applied = await self._transaction([d.envelope for d in deliveries if d.envelope])
            except Exception as exc:
                kind = classify(exc)
                if kind is Failure.CONFLICT and attempt >= CONFLICT_ATTEMPTS:
                    kind = Failure.POISON
                if len(deliveries) > 1 and kind is not Failure.TRANSIENT:
                    for delivery in deliveries:
                        await self._apply([delivery])
                    return
                if kind is Failure.POISON:
                    metrics.CONSUMER_FAILURES.labels(self.group, "poison").inc()
                    reason = f"{type(exc).__name__}: {exc}"
                    await self._dead_letter(deliveries[0].record, reason, deliveries[0].envelope)
                    return
                metrics.CONSUMER_FAILURES.labels(self.group, kind.value).inc()
                delay = min(0.05 * 2**attempt, 5.0)
                log.warning(
                    "retrying after a transient failure",
                    extra={"group": self.group, "error": repr(exc), "retry_in_s": delay},
                )
                attempt += 1
                await asyncio.sleep(delay)
                continue
            metrics.CONSUMER_EVENTS.labels(self.group, "applied").inc(applied)
            metrics.CONSUMER_EVENTS.labels(self.group, "duplicate").inc(len(deliveries) - applied)
            return

    async def _transaction(self, envelopes: list[Envelope]) -> int:
        async with self.sessions.begin() as session:
            if self.handler_dedupes:
                applied = await self.handler(session, envelopes)
                return len(envelopes) if applied is None else applied
            new = await self._unseen(session, envelopes)
            if new:
                await self.handler(session, new)
                await self._mark(session, [e.id for e in new], "applied")
            return len(new)

    async def _unseen(self, session: AsyncSession, envelopes: list[Envelope]) -> list[Envelope]:
        ids = [e.id for e in envelopes]
        seen = set(
            (
                await session.execute(
                    select(processed_events.c.event_id)
                    .where(processed_events.c.consumer_group == self.group)
                    .where(processed_events.c.event_id.in_(ids))
                )
            ).scalars()
        )
        fresh: list[Envelope] = []
        for envelope in envelopes:
            if envelope.id not in seen:
                seen.add(envelope.id)
                fresh.append(envelope)
        return fresh

    async def _mark(self, session: AsyncSession, ids: list[str], outcome: str) -> None:
        now = datetime.now(UTC)
        await session.execute(
            insert(processed_events),
            [
                {
                    "consumer_group": self.group,
                    "event_id": i,
                    "outcome": outcome,
                    "processed_at": now,
                }
                for i in ids
            ],
        )

    async def _dead_letter(self, record: Record, reason: str, envelope: Envelope | None) -> None:
        assert self._producer is not None
        headers = [
            *record.headers,
            ("dlq_reason", reason[:2000].encode()),
            ("dlq_group", self.group.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_time", datetime.now(UTC).isoformat().encode()),
        ]
        await self._producer.send_and_wait(self.dlq, record.value, key=record.key, headers=headers)
        metrics.CONSUMER_EVENTS.labels(self.group, "dead_lettered").inc()
        with bind_correlation_id(envelope.correlationid if envelope else None):
            log.warning(
                "dead-lettered a record",
                extra={
                    "group": self.group,
                    "topic": record.topic,
                    "offset": record.offset,
                    "partition": record.partition,
                    "event_id": envelope.id if envelope else None,
                    "reason": reason,
                },
            )
        if envelope is not None:
            await self._remember_dead_letter(envelope.id)

    async def _remember_dead_letter(self, event_id: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                insert_or_ignore(session, processed_events).values(
                    consumer_group=self.group,
                    event_id=event_id,
                    outcome="dead_lettered",
                    processed_at=datetime.now(UTC),
                )
            )

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        assert self._consumer is not None
        self._applied.update(offsets)
        try:
            await self._consumer.commit(offsets)
        except KafkaError as exc:  # a rebalance or a broker restart: the dedupe covers it
            log.warning("offset commit failed", extra={"group": self.group, "error": repr(exc)})
        for tp, offset in offsets.items():
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            metrics.CONSUMER_LAG.labels(self.group, tp.topic, str(tp.partition)).set(
                max(highwater - offset, 0)
            )
            if highwater < offset:  # the log is shorter than our position: it was reset
                self._next_epoch_check = 0.0

    async def _follow_epoch(self) -> None:
        if time.monotonic() < self._next_epoch_check:
            return
        self._next_epoch_check = time.monotonic() + self.kafka.epoch_check_interval_s
        current = await self.epoch.current()
        if self._epoch_seen is None:
            async with self.sessions() as session:
                self._epoch_seen = await get_value(session, self.epoch_state)
        if self._epoch_seen is not None and self._epoch_seen != current:
            await self._rewind(current)
        elif self._epoch_seen is None:
            async with self.sessions.begin() as session:
                await set_value(session, self.epoch_state, current)
        self._epoch_seen = current

    async def _rewind(self, current: str) -> None:
        """The broker lost its data: read every partition again from offset 0."""
        assert self._consumer is not None
        metrics.BROKER_RESETS.labels(f"{self.group}-consumer").inc()
        log.warning(
            "broker lost its data; rewinding", extra={"group": self.group, "epoch": current}
        )
        partitions = self._consumer.assignment()
        if partitions:
            await self.rewind_partitions(partitions)
        else:  # not assigned yet: rewind whatever the next assignment brings
            self.rewind_pending = True
        async with self.sessions.begin() as session:
            await set_value(session, self.epoch_state, current)

    async def rewind_partitions(self, partitions: set[TopicPartition]) -> None:
        """Seek to offset 0 and commit it, so a crash now still resumes from the start."""
        assert self._consumer is not None
        await self._consumer.seek_to_beginning(*partitions)
        for tp in partitions:
            self._applied.pop(tp, None)
        with contextlib.suppress(KafkaError):
            await self._consumer.commit(dict.fromkeys(partitions, 0))
        self.rewind_pending = False

    async def _housekeeping(self) -> None:
        if time.monotonic() < self._next_housekeeping:
            return
        self._next_housekeeping = time.monotonic() + 60.0
        cutoff = datetime.now(UTC) - self.retention
        async with self.sessions.begin() as session:
            await session.execute(
                delete(processed_events)
                .where(processed_events.c.consumer_group == self.group)
                .where(processed_events.c.processed_at < cutoff)
            )


def _with_topics(pattern: str, topics: Sequence[str]) -> str:
    """One expression for the named topics and the pattern (aiokafka takes one or the other)."""
    named = "|".join(re.escape(topic) for topic in topics)
    return f"^(?:{named})$|{pattern}" if named else pattern


class _RewindOnAssign(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: IdempotentConsumer):
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """Finish the write in flight so its offsets are committed before handing over."""
        inflight = self.consumer._inflight
        if inflight is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(inflight)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if self.consumer.rewind_pending and assigned:
            await self.consumer.rewind_partitions(assigned)
