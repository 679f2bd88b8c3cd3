"""What makes the consumer fast: fetching, decoding and writing in overlap.

The fetch loop hands each fetch, decoded, to the :class:`Applier` (what makes the
consumer correct, townhall.runtime.consumer.applying) as one write, and fetches and
decodes the next while that write runs: the database work (a thread for SQLite, the
server for PostgreSQL) overlaps the Python work here, so a fetch costs the larger of
the two, not both. At most one write is in flight, so offsets are committed in order,
each only after its fetch was applied. A pass that fails seeks back to the first
record it had not committed and reads it again. Lag is measured at every commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime import dead_letters, metrics
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.consumer.applying import Applier
from townhall.runtime.consumer.delivery import (
    BatchHandler,
    Delivery,
    Reader,
    Record,
    Validator,
    decode,
    read_cloudevent,
    validate_registered,
)
from townhall.runtime.consumer.epochs import EpochFollower
from townhall.runtime.consumer.subscription import RewindOnAssign, with_topics
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.kafka import client_id, ensure_topics, make_consumer, make_producer
from townhall.runtime.settings import KafkaSettings
from townhall.schemas.envelope import Envelope
from townhall.schemas.topics import TopicSpec, dlq_topic

log = logging.getLogger(__name__)

#: Records decoded between two turns of the event loop (see _decode_all)
DECODE_SLICE = 50
Fetch = dict[TopicPartition, list[Record]]


class IdempotentConsumer:
    """One consumer group on ``topics``: fetches here, applies through its :class:`Applier`."""

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
        reader: Reader = read_cloudevent,
        clock: Clock = utc_now,
    ):
        self.group = group
        self.topics = list(topics)
        #: A regular expression: every topic matching it is consumed too, including
        #: topics created later (found at the next metadata refresh).
        self.pattern = pattern
        self.kafka = kafka
        self.validate = validate
        self.reader = reader
        self.batch_size = batch_size
        self.retention = timedelta(seconds=retention_s)
        self.dlq = dead_letter_topic or dlq_topic(group)
        self.applier = Applier(
            group=group,
            handler=handler,
            sessions=sessions,
            # the handler's writes are keyed by event id (e.g. INSERT … ON CONFLICT DO
            # NOTHING), so the processed-events table would only repeat them
            handler_dedupes=handler_dedupes,
            publish_dead_letter=self._publish_dead_letter,
            # looked up at each call, so a test can put a step in front of it
            dead_letter=lambda record, reason, envelope: self._dead_letter(
                record, reason, envelope
            ),
            clock=clock,
        )
        self.epochs = EpochFollower(group, sessions, epoch)
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._task: asyncio.Task[None] | None = None
        self._inflight: asyncio.Task[None] | None = None
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

    async def start(self) -> None:
        await ensure_topics(self.kafka, [TopicSpec(self.dlq, self.kafka.topic_partitions)])
        self._producer = make_producer(self.kafka, client_id(f"{self.group}-dlq"))
        await self._producer.start()
        self._consumer = make_consumer(
            self.kafka, group_id=self.group, client_id=client_id(self.group)
        )
        await self._consumer.start()
        listener = RewindOnAssign(self)
        if self.pattern is not None:
            self._consumer.subscribe(
                pattern=with_topics(self.pattern, self.topics), listener=listener
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
        """Fetch and decode the next records while the previous ones are written."""
        fetched: list[Fetch] = []
        while True:
            try:
                await self._pass(fetched)
            except asyncio.CancelledError:
                if self._inflight is not None:
                    self._inflight.cancel()
                raise
            except Exception:
                log.exception("consumer pass failed; retrying", extra={"group": self.group})
                self._seek_back(fetched)
                fetched.clear()
                await asyncio.sleep(0.5)

    async def _pass(self, fetched: list[Fetch]) -> None:
        """One turn: fetch, decode, wait for the write before, start this one's write.
        ``fetched`` holds what may have to be read again if this pass fails."""
        assert self._consumer is not None
        if time.monotonic() >= self._next_epoch_check:
            await self.settle()
            fetched.clear()
            await self._follow_epoch()
        batches = await self._consumer.getmany(timeout_ms=200, max_records=self.batch_size)
        self.ready = True
        if not batches:
            await self.settle()
            fetched.clear()
            await self._housekeeping()
            return
        fetched.append(batches)
        deliveries = await self._decode_all(batches)
        await self.settle()
        del fetched[:-1]
        self._inflight = asyncio.create_task(self._process(batches, deliveries))

    @property
    def inflight(self) -> asyncio.Task[None] | None:
        """The write in flight, if any."""
        return self._inflight

    async def settle(self) -> None:
        """Wait for the write in flight, if any; its failure is raised here."""
        inflight, self._inflight = self._inflight, None
        if inflight is not None:
            await inflight

    def _seek_back(self, fetched: list[Fetch]) -> None:
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

    async def _process(self, batches: Fetch, deliveries: list[Delivery]) -> None:
        """One fetch, every partition in it: applied, then the offsets committed."""
        await self.applier.apply(deliveries)
        await self._commit({tp: records[-1].offset + 1 for tp, records in batches.items()})

    async def _decode_all(self, batches: Fetch) -> list[Delivery]:
        """Decode a fetch, giving the write in flight a turn every so often.

        A write is a string of steps (statements, a commit), each handed to the driver's
        thread or to the server; the next step starts only when this loop gets a turn.
        Decoding a whole fetch in one go would hold each step back until the end, so
        the write and the decoding would take turns rather than overlap.
        """
        deliveries: list[Delivery] = []
        for records in batches.values():
            for record in records:
                deliveries.append(decode(record, self.group, self.validate, self.reader))
                if len(deliveries) % DECODE_SLICE == 0:
                    await asyncio.sleep(0)
        return deliveries

    async def _dead_letter(self, record: Record, reason: str, envelope: Envelope | None) -> None:
        await self.applier.keep_dead_letter(record, reason, envelope)

    async def _publish_dead_letter(self, record: Record, reason: str, at: datetime) -> None:
        """Copy a dead letter to the group's dead-letter topic, with where it came from."""
        assert self._producer is not None
        headers = dead_letters.topic_headers(record, group=self.group, reason=reason, at=at)
        await self._producer.send_and_wait(self.dlq, record.value, key=record.key, headers=headers)

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
        self._next_epoch_check = time.monotonic() + self.kafka.epoch_check_interval_s
        current = await self.epochs.new_epoch()
        if current is not None:
            await self._rewind(current)

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
        await self.epochs.rewound(current)

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
        await self.applier.forget_older_than(self.retention)
