"""What makes the consumer correct: each event applied once, or kept with its reason.

One transaction per batch: drop the events this group already applied (its dedupe
record in ``th_processed_events``, or the handler's own when it keys its writes by
event id), apply the rest through the handler, record them as processed. A record
that cannot be applied is dead-lettered: kept in ``th_dead_letters`` with its reason,
its event marked as dead-lettered, in one transaction (see townhall.runtime.dead_letters).
When a batch fails, the failure decides: a passing one (the database restarting) is
retried with backoff; a conflict a few times, then it counts as poison; a poison
record is isolated by applying the batch one record at a time, so only it is
dead-lettered.

Nothing here reads from or commits to Kafka: :class:`Applier` is driven with decoded
deliveries, by the fetch loop (townhall.runtime.consumer.pipeline) or by a test.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime import dead_letters, metrics
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.consumer.delivery import BatchHandler, Delivery, Record
from townhall.runtime.errors import Failure, classify
from townhall.runtime.logging import bind_correlation_id
from townhall.runtime.tables import processed_events
from townhall.schemas.envelope import Envelope

log = logging.getLogger(__name__)

#: A clashing constraint is retried this many times before the record counts as poison.
CONFLICT_ATTEMPTS = 5
#: Longest wait between two tries of a batch that failed in passing.
MAX_BACKOFF_S = 5.0
#: Dead-letters one record with the reason it cannot be applied.
DeadLetterStep = Callable[[Record, str, Envelope | None], Awaitable[None]]
#: Copies a dead letter to the group's dead-letter topic: (record, reason, when).
PublishDeadLetter = Callable[[Record, str, datetime], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]


class Applier:
    """Applies decoded deliveries for one consumer group; see the module docstring."""

    def __init__(
        self,
        *,
        group: str,
        handler: BatchHandler,
        sessions: async_sessionmaker[AsyncSession],
        handler_dedupes: bool = False,
        publish_dead_letter: PublishDeadLetter | None = None,
        dead_letter: DeadLetterStep | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
    ):
        self.group = group
        self.handler = handler
        self.sessions = sessions
        self.handler_dedupes = handler_dedupes
        self.publish_dead_letter = publish_dead_letter
        #: The step that dead-letters a record: :meth:`keep_dead_letter` unless the owner
        #: puts a step of its own in front of it.
        self.dead_letter = dead_letter or self.keep_dead_letter
        self.clock = clock
        self.sleep = sleep

    async def apply(self, deliveries: Sequence[Delivery]) -> None:
        """Apply what can be applied, in order; dead-letter the rest with their reasons."""
        for delivery in deliveries:
            if delivery.error is not None:
                await self.dead_letter(delivery.record, delivery.error, delivery.envelope)
        valid = [d for d in deliveries if d.applicable]
        if valid:
            await self._apply(valid)

    async def _apply(self, deliveries: list[Delivery]) -> None:
        """Apply in one transaction; on a bad record split the batch to isolate it."""
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
                    await self.dead_letter(deliveries[0].record, reason, deliveries[0].envelope)
                    return
                await self._back_off(exc, kind, attempt)
                attempt += 1
                continue
            metrics.CONSUMER_EVENTS.labels(self.group, "applied").inc(applied)
            metrics.CONSUMER_EVENTS.labels(self.group, "duplicate").inc(len(deliveries) - applied)
            return

    async def _back_off(self, exc: Exception, kind: Failure, attempt: int) -> None:
        metrics.CONSUMER_FAILURES.labels(self.group, kind.value).inc()
        delay = min(0.05 * 2**attempt, MAX_BACKOFF_S)
        log.warning(
            "retrying after a transient failure",
            extra={"group": self.group, "error": repr(exc), "retry_in_s": delay},
        )
        await self.sleep(delay)

    async def _transaction(self, envelopes: list[Envelope]) -> int:
        """Apply the new ones among ``envelopes``; return how many were new."""
        async with self.sessions.begin() as session:
            if self.handler_dedupes:
                applied = await self.handler(session, envelopes)
                return len(envelopes) if applied is None else applied
            new = await self._unseen(session, envelopes)
            if new:
                await self.handler(session, new)
                await self._mark_applied(session, [e.id for e in new])
            return len(new)

    async def _unseen(self, session: AsyncSession, envelopes: list[Envelope]) -> list[Envelope]:
        """The envelopes whose event this group has not processed, first copy only."""
        seen = set(
            (
                await session.execute(
                    select(processed_events.c.event_id)
                    .where(processed_events.c.consumer_group == self.group)
                    .where(processed_events.c.event_id.in_([e.id for e in envelopes]))
                )
            ).scalars()
        )
        fresh: list[Envelope] = []
        for envelope in envelopes:
            if envelope.id not in seen:
                seen.add(envelope.id)
                fresh.append(envelope)
        return fresh

    async def _mark_applied(self, session: AsyncSession, ids: list[str]) -> None:
        now = self.clock()
        await session.execute(
            insert(processed_events),
            [
                {
                    "consumer_group": self.group,
                    "event_id": i,
                    "outcome": "applied",
                    "processed_at": now,
                }
                for i in ids
            ],
        )

    async def keep_dead_letter(
        self, record: Record, reason: str, envelope: Envelope | None
    ) -> None:
        """Dead-letter ``record``: keep it and mark its event in one transaction, which
        commits only once the copy on the dead-letter topic (if any) is acknowledged."""
        now = self.clock()
        event_id = envelope.id if envelope else None
        async with self.sessions.begin() as session:
            await dead_letters.keep(
                session, group=self.group, record=record, reason=reason, event_id=event_id, at=now
            )
            if self.publish_dead_letter is not None:
                await self.publish_dead_letter(record, reason, now)
        metrics.CONSUMER_EVENTS.labels(self.group, "dead_lettered").inc()
        with bind_correlation_id(envelope.correlationid if envelope else None):
            log.warning(
                "dead-lettered a record",
                extra={
                    "group": self.group,
                    "topic": record.topic,
                    "offset": record.offset,
                    "partition": record.partition,
                    "event_id": event_id,
                    "reason": reason,
                },
            )

    async def forget_older_than(self, age: timedelta) -> None:
        """Drop dedupe records older than ``age``: a repeat that late is not expected."""
        cutoff = self.clock() - age
        async with self.sessions.begin() as session:
            await session.execute(
                delete(processed_events)
                .where(processed_events.c.consumer_group == self.group)
                .where(processed_events.c.processed_at < cutoff)
            )
