"""A minimal service for testing the runtime: one event type, one effect table.

The effect table deliberately has no unique constraint on the event id, so any
duplicate that got past the consumer's dedupe would show up as an extra row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from townhall.runtime.consumer import IdempotentConsumer
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.errors import PoisonMessageError
from townhall.runtime.outbox import EventContext, Outbox
from townhall.runtime.relay import AfterPublish, OutboxRelay
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import metadata as runtime_metadata
from townhall.schemas.envelope import Envelope, Sensitivity
from townhall.schemas.events.base import DomainEvent

PROBE_TYPE = "townhall.probe.noted.v1"


class Noted(DomainEvent):
    TYPE: ClassVar[str] = PROBE_TYPE
    SOURCE: ClassVar[str] = "/townhall/probe"
    DOMAIN: ClassVar[str] = "testing"
    SENSITIVITY: ClassVar[Sensitivity] = Sensitivity.PUBLIC

    resident_id: str
    n: int

    @property
    def subject(self) -> str:
        return f"note/{self.resident_id}/{self.n}"


metadata = MetaData()
effects = Table(
    "probe_effects",
    metadata,
    Column("row", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(128), nullable=False),
    Column("resident_id", String(64), nullable=False),
    Column("n", Integer, nullable=False),
)


def validate_probe(envelope: Envelope) -> object:
    if envelope.type != PROBE_TYPE:
        raise LookupError(f"unknown event type {envelope.type!r}")
    return Noted.model_validate(envelope.data)


async def apply_notes(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """Record each note; a negative note is a message no retry can fix."""
    for envelope in envelopes:
        if envelope.data["n"] < 0:
            raise PoisonMessageError(f"negative note {envelope.data['n']}")
    await session.execute(
        insert(effects),
        [
            {"event_id": e.id, "resident_id": e.data["resident_id"], "n": e.data["n"]}
            for e in envelopes
        ],
    )


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(runtime_metadata.create_all)
        await connection.run_sync(metadata.create_all)


@dataclass
class Probe:
    """Producer side (outbox + relay) and consumer side on one database."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: Outbox
    kafka: KafkaSettings
    topic: str
    group: str

    @classmethod
    async def open(cls, url: str, kafka: KafkaSettings, topic: str, group: str) -> Probe:
        engine = create_engine(url)
        await create_schema(engine)
        return cls(engine, session_factory(engine), Outbox("probe", topic), kafka, topic, group)

    async def close(self) -> None:
        await self.engine.dispose()

    async def write(self, notes: Sequence[tuple[str, int]]) -> None:
        """Commit ``(resident, n)`` notes to the outbox in one transaction."""
        async with self.sessions.begin() as session:
            events = [Noted(resident_id=r, n=n) for r, n in notes]
            await self.outbox.add(session, events, EventContext(correlation_id="probe"))
        self.outbox.committed()

    def relay(self, epoch: BrokerEpoch, after_publish: AfterPublish | None = None) -> OutboxRelay:
        return OutboxRelay(
            outbox=self.outbox,
            sessions=self.sessions,
            kafka=self.kafka,
            epoch=epoch,
            batch_size=200,
            after_publish=after_publish,
        )

    def consumer(self, epoch: BrokerEpoch) -> IdempotentConsumer:
        return IdempotentConsumer(
            group=self.group,
            topics=[self.topic],
            handler=apply_notes,
            sessions=self.sessions,
            kafka=self.kafka,
            epoch=epoch,
            validate=validate_probe,
            batch_size=200,
        )

    async def applied(self) -> list[tuple[str, int]]:
        """Every effect row, in the order it was applied."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(effects.c.resident_id, effects.c.n).order_by(effects.c.row)
            )
            return [(r, n) for r, n in rows.all()]

    async def applied_count(self) -> int:
        async with self.sessions() as session:
            query = select(func.count()).select_from(effects)
            return int((await session.execute(query)).scalar_one())
