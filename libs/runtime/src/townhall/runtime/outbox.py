"""The transactional outbox: events are rows written in the business transaction.

Nothing calls Kafka from a handler or a route. A unit of work hands its new domain
events to :meth:`Outbox.add` before it commits; the relay publishes them afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.runtime.db import insert_or_ignore
from townhall.runtime.tables import outbox, outbox_sequence
from townhall.schemas.envelope import Envelope
from townhall.schemas.events.base import DomainEvent
from townhall.schemas.topics import topic_for_source


@dataclass(frozen=True)
class EventContext:
    """Where an event came from: the request or event that caused it."""

    correlation_id: str
    causation_id: str | None = None


class Outbox:
    """Writes envelopes for one source service into its outbox table."""

    def __init__(self, service: str, topic: str | None = None):
        self.service = service
        self.source = f"/townhall/{service}"
        self.topic = topic or topic_for_source(service)
        #: Set after a commit that added rows, so an in-process relay wakes at once.
        self.wakeup = asyncio.Event()

    async def add(
        self, session: AsyncSession, events: Sequence[DomainEvent], context: EventContext
    ) -> list[Envelope]:
        """Insert ``events`` in order, each with the next gapless sequence number."""
        return await self.add_each(session, [(event, context) for event in events])

    async def add_each(
        self, session: AsyncSession, items: Sequence[tuple[DomainEvent, EventContext]]
    ) -> list[Envelope]:
        """As :meth:`add`, each event with its own cause (a consumer writing the events
        of a whole batch of changes at once: one sequence reservation, one insert)."""
        if not items:
            return []
        last = await self._reserve(session, len(items))
        now = datetime.now(UTC)
        first = last - len(items) + 1
        envelopes = [
            self._envelope(event, context, sequence=first + i, time=now)
            for i, (event, context) in enumerate(items)
        ]
        await session.execute(
            insert(outbox),
            [
                {
                    "sequence": env.sequence,
                    "event_id": env.id,
                    "topic": self.topic,
                    "key": env.key,
                    "event_type": env.type,
                    "envelope": env.model_dump_json(),
                    "created_at": now,
                    "published_at": None,
                    "publish_count": 0,
                }
                for env in envelopes
            ],
        )
        return envelopes

    def committed(self) -> None:
        """Call after the transaction that added rows has committed."""
        self.wakeup.set()

    def _envelope(
        self, event: DomainEvent, context: EventContext, *, sequence: int, time: datetime
    ) -> Envelope:
        if self.source != event.SOURCE:
            raise ValueError(f"{event.TYPE} belongs to {event.SOURCE}, not {self.source}")
        return event.to_envelope(
            sequence=sequence,
            time=time,
            correlation_id=context.correlation_id,
            causation_id=context.causation_id,
        )

    async def _reserve(self, session: AsyncSession, count: int) -> int:
        """Advance the source's counter by ``count`` and return its new value.

        The UPDATE takes a row lock held until commit, so sequence numbers are gapless
        (a rolled-back transaction gives its numbers back) and commit in order.
        """
        await session.execute(
            insert_or_ignore(session, outbox_sequence).values(source=self.source, value=0)
        )
        result = await session.execute(
            update(outbox_sequence)
            .where(outbox_sequence.c.source == self.source)
            .values(value=outbox_sequence.c.value + count)
            .returning(outbox_sequence.c.value)
        )
        return int(result.scalar_one())


async def backlog(session: AsyncSession) -> int:
    """Rows not yet published."""
    query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    return int((await session.execute(query)).scalar_one())
