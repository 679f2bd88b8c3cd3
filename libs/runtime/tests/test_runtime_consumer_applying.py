"""What makes the consumer correct, driven with decoded records: no broker needed.

Each test runs on SQLite and on PostgreSQL (the ``database_url`` fixture).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime import dead_letters
from townhall.runtime.clock import ManualClock
from townhall.runtime.consumer import Applier, Delivery, Record, decode
from townhall.runtime.consumer.applying import CONFLICT_ATTEMPTS
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.tables import processed_events
from townhall.runtime.testkit.probe import apply_notes, create_schema, effects, validate_probe
from townhall.runtime.testkit.records import envelope_record, note_envelope, raw_record
from townhall.schemas.envelope import Envelope

GROUP = "probe-group"


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await create_schema(engine)
    yield session_factory(engine)
    await engine.dispose()


class DeadLetterTopic:
    """Stands in for the group's dead-letter topic."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.records: list[tuple[Record, str]] = []

    async def publish(self, record: Record, reason: str, at: datetime) -> None:
        if self.refuse:
            raise ConnectionError("the dead-letter topic is unreachable")
        self.records.append((record, reason))


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def applier(
    sessions: async_sessionmaker[AsyncSession],
    handler: object = apply_notes,
    *,
    topic: DeadLetterTopic | None = None,
    sleep: Sleeps | None = None,
    clock: ManualClock | None = None,
) -> Applier:
    return Applier(
        group=GROUP,
        handler=handler,  # type: ignore[arg-type]
        sessions=sessions,
        publish_dead_letter=(topic or DeadLetterTopic()).publish,
        sleep=sleep or Sleeps(),
        clock=clock or ManualClock(),
    )


def delivered(*notes: tuple[str, int]) -> list[Delivery]:
    return [deliver(note_envelope(r, n)) for r, n in notes]


def deliver(envelope: Envelope) -> Delivery:
    return decode(envelope_record(envelope), GROUP, validate_probe)


async def applied(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(effects.c.resident_id, effects.c.n).order_by(effects.c.row)
        )
        return [(r, n) for r, n in rows]


async def kept(sessions: async_sessionmaker[AsyncSession]) -> list[dead_letters.DeadLetter]:
    async with sessions() as session:
        return await dead_letters.waiting(session, GROUP)


async def outcomes(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.execute(
            select(processed_events.c.event_id, processed_events.c.outcome)
        )
        return dict(rows.all())


async def test_an_event_delivered_again_is_applied_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    twice = deliver(note_envelope("r", 1))
    consumer = applier(sessions)
    await consumer.apply([twice, twice])
    await consumer.apply([twice, *delivered(("r", 2))])
    assert await applied(sessions) == [("r", 1), ("r", 2)]
    assert set((await outcomes(sessions)).values()) == {"applied"}


async def test_a_poison_record_is_kept_with_its_reason_and_its_batch_neighbours_applied(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    topic = DeadLetterTopic()
    batch = delivered(("r", 1), ("r", -1), ("r", 2))
    await applier(sessions, topic=topic).apply(batch)
    assert await applied(sessions) == [("r", 1), ("r", 2)]
    [letter] = await kept(sessions)
    poison = batch[1]
    assert letter.reason == "PoisonMessageError: negative note -1"
    assert letter.event_id == poison.envelope.id  # type: ignore[union-attr]
    assert (letter.value, letter.headers) == (poison.record.value, list(poison.record.headers))
    assert await outcomes(sessions) == {
        poison.envelope.id: "dead_lettered",  # type: ignore[union-attr]
        **{d.envelope.id: "applied" for d in (batch[0], batch[2])},  # type: ignore[union-attr]
    }
    assert [reason for _, reason in topic.records] == [letter.reason]


async def test_a_record_that_is_no_event_is_kept_with_its_original_headers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    record = raw_record(b"not json", headers=[("x-origin", b"legacy")], offset=41)
    await applier(sessions).apply([decode(record, GROUP, validate_probe)])
    [letter] = await kept(sessions)
    assert letter.event_id is None
    assert "missing CloudEvents headers" in letter.reason
    assert (letter.value, letter.headers) == (b"not json", [("x-origin", b"legacy")])
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
        record.topic,
        0,
        41,
    )


async def test_an_event_that_fails_validation_is_kept_and_marked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    envelope = note_envelope("r", 1).model_copy(update={"type": "townhall.probe.unknown.v1"})
    await applier(sessions).apply([deliver(envelope)])
    [letter] = await kept(sessions)
    assert "unknown event type" in letter.reason
    assert await outcomes(sessions) == {envelope.id: "dead_lettered"}


async def test_passing_failures_are_retried_with_growing_waits_then_applied_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    failures = 0

    async def flaky(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        nonlocal failures
        if failures < 3:
            failures += 1
            raise OperationalError("INSERT", {}, Exception("database is restarting"))
        await apply_notes(session, envelopes)

    sleeps = Sleeps()
    await applier(sessions, flaky, sleep=sleeps).apply(delivered(("r", 1), ("r", 2)))
    assert sleeps.waits == [0.05, 0.1, 0.2]
    assert await applied(sessions) == [("r", 1), ("r", 2)]
    assert await kept(sessions) == [], "a passing failure is never dead-lettered"


async def test_a_conflict_that_persists_is_dead_lettered_after_a_few_tries(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def clashing(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    sleeps = Sleeps()
    await applier(sessions, clashing, sleep=sleeps).apply(delivered(("r", 1)))
    assert len(sleeps.waits) == CONFLICT_ATTEMPTS
    [letter] = await kept(sessions)
    assert letter.reason.startswith("IntegrityError")


async def test_when_the_dead_letter_topic_refuses_nothing_is_kept_so_the_record_is_read_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    consumer = applier(sessions, topic=DeadLetterTopic(refuse=True))
    with pytest.raises(ConnectionError):
        await consumer.apply(delivered(("r", -1)))
    assert await kept(sessions) == []
    assert await outcomes(sessions) == {}


async def test_a_handler_that_deduplicates_by_itself_gets_every_copy(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    seen: list[str] = []

    async def own_dedupe(session: AsyncSession, envelopes: Sequence[Envelope]) -> int:
        seen.extend(e.id for e in envelopes)
        return 0

    consumer = applier(sessions, own_dedupe)
    consumer.handler_dedupes = True
    twice = deliver(note_envelope("r", 1))
    await consumer.apply([twice, twice])
    assert len(seen) == 2
    assert await outcomes(sessions) == {}


async def test_dedupe_records_past_their_retention_are_forgotten(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = ManualClock()
    consumer = applier(sessions, clock=clock)
    await consumer.apply(delivered(("old", 1)))
    clock.advance(timedelta(days=10))
    await consumer.apply(delivered(("recent", 1)))
    clock.advance(timedelta(days=5))
    await consumer.forget_older_than(timedelta(days=14))
    async with sessions() as session:
        left = (await session.execute(select(func.count()).select_from(processed_events))).scalar()
    assert left == 1
