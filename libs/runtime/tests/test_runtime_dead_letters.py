"""Dead letters are kept in the consuming service's database and can be replayed once.

The first tests drive the store directly (no broker); the last dead-letters a poison record
on a broker of its own, resets that broker, and replays the record after the fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime import dead_letters
from townhall.runtime.broker import EmbeddedBroker, free_port
from townhall.runtime.db import create_engine, session_factory
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.kafka import client_id, make_producer
from townhall.runtime.settings import embedded_kafka_settings
from townhall.runtime.tables import processed_events
from townhall.runtime.testkit.probe import Probe, apply_notes, effects, metadata
from townhall.runtime.testkit.records import envelope_record, note_envelope, raw_record
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
Sent = tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(dead_letters.dead_letters.metadata.create_all)
        await connection.run_sync(metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


class Topics:
    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.sent: list[Sent] = []

    async def send(
        self,
        topic: str,
        value: bytes | None,
        key: bytes | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> None:
        if self.refuse:
            raise ConnectionError("the broker is unreachable")
        self.sent.append((topic, value, key, list(headers)))


async def kept_letter(sessions: async_sessionmaker[AsyncSession], group: str = "g") -> int:
    record = envelope_record(note_envelope("r", -1), offset=3)
    async with sessions.begin() as session:
        return await dead_letters.keep(
            session, group=group, record=record, reason="bad", event_id="e-1", at=NOON
        )


async def marks(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(
                processed_events.c.consumer_group,
                processed_events.c.event_id,
                processed_events.c.outcome,
            )
        )
        return [(g, e, o) for g, e, o in rows]


async def test_replaying_sends_the_kept_record_back_and_lifts_the_groups_mark(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    letter_id = await kept_letter(sessions)
    async with sessions.begin() as session:
        await session.execute(
            insert(processed_events).values(
                consumer_group="other", event_id="e-1", outcome="applied", processed_at=NOON
            )
        )
    topics = Topics()
    letter = await dead_letters.replay(sessions, topics.send, letter_id, at=NOON)
    [(topic, value, key, headers)] = topics.sent
    assert (topic, value, key) == (letter.source_topic, letter.value, letter.key)
    assert headers == [*letter.headers, (dead_letters.REPLAY_HEADER, str(letter_id).encode())]
    assert await marks(sessions) == [("other", "e-1", "applied")], "only this group's mark"
    async with sessions() as session:
        assert await dead_letters.waiting(session) == []
        assert (await dead_letters.find(session, letter_id)).replayed_at == NOON  # type: ignore[union-attr]


async def test_a_dead_letter_is_replayed_once_and_an_unknown_one_not_at_all(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    letter_id = await kept_letter(sessions)
    topics = Topics()
    await dead_letters.replay(sessions, topics.send, letter_id, at=NOON)
    with pytest.raises(dead_letters.ReplayRefusedError, match="replayed already"):
        await dead_letters.replay(sessions, topics.send, letter_id, at=NOON)
    with pytest.raises(dead_letters.ReplayRefusedError, match="no dead letter 999"):
        await dead_letters.replay(sessions, topics.send, 999, at=NOON)
    assert len(topics.sent) == 1


async def test_a_replay_the_broker_refused_leaves_the_dead_letter_waiting(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    letter_id = await kept_letter(sessions)
    with pytest.raises(ConnectionError):
        await dead_letters.replay(sessions, Topics(refuse=True).send, letter_id, at=NOON)
    async with sessions() as session:
        assert [letter.id for letter in await dead_letters.waiting(session)] == [letter_id]
    assert await marks(sessions) == [("g", "e-1", "dead_lettered")]


async def test_the_summary_counts_per_group_and_names_the_latest_waiting(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, latest = await kept_letter(sessions, "a"), await kept_letter(sessions, "a")
    replayed = await kept_letter(sessions, "b")
    await dead_letters.replay(sessions, Topics().send, replayed, at=NOON)
    async with sessions() as session:
        summary = await dead_letters.summarise(session)
    assert [(s.consumer_group, s.waiting, s.replayed) for s in summary] == [
        ("a", 2, 0),
        ("b", 0, 1),
    ]
    assert summary[0].latest is not None and summary[0].latest.id == latest > first
    assert summary[1].latest is None


async def test_a_record_stored_with_a_replay_header_keeps_only_its_original_headers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    record = raw_record(b"x", headers=[("a", b"1"), (dead_letters.REPLAY_HEADER, b"7")])
    async with sessions.begin() as session:
        letter_id = await dead_letters.keep(
            session, group="g", record=record, reason="bad", event_id=None, at=NOON
        )
    async with sessions() as session:
        assert (await dead_letters.find(session, letter_id)).headers == [("a", b"1")]  # type: ignore[union-attr]


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test's own, so resetting it disturbs no other test."""
    embedded = EmbeddedBroker(port=free_port(), log_file=tmp_path / "tansu.log")
    embedded.start()
    asyncio.run(embedded.prepare(embedded_kafka_settings(embedded.bootstrap_servers)))
    yield embedded
    embedded.stop()


@pytest.mark.broker
async def test_a_dead_letter_survives_a_broker_reset_and_is_applied_once_after_the_fix(
    own_broker: EmbeddedBroker, database_url: str
) -> None:
    kafka = embedded_kafka_settings(own_broker.bootstrap_servers)
    probe = await Probe.open(database_url, kafka, "identity.events", "dead-letter-test")
    fixed = False

    async def handler(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        if not fixed:
            await apply_notes(session, envelopes)
        else:
            await session.execute(
                insert(effects),
                [{"event_id": e.id, "resident_id": "r", "n": e.data["n"]} for e in envelopes],
            )

    async def waiting() -> list[dead_letters.DeadLetter]:
        async with probe.sessions() as session:
            return await dead_letters.waiting(session, probe.group)

    epoch = BrokerEpoch(kafka)
    relay, consumer = probe.relay(epoch), probe.consumer(epoch)
    consumer.applier.handler = handler
    producer = make_producer(kafka, client_id("replay-test"))
    await relay.start()
    await consumer.start()
    try:
        await probe.write([("r", 1), ("r", -1), ("r", 2)])
        await eventually(probe.applied_count, lambda n: n >= 2)
        [letter] = await eventually(waiting, lambda letters: len(letters) == 1)
        own_broker.kill()  # memory-only: the dead-letter topic is gone with the rest
        own_broker.start()
        await probe.write([("r", 3)])  # republished after the reset, behind the poison one
        await eventually(probe.applied_count, lambda n: n >= 3, timeout_s=120)
        assert [kept.id for kept in await waiting()] == [letter.id], "kept, and only once"

        fixed = True
        await producer.start()
        send = dead_letters.producer_send(producer)
        await dead_letters.replay(probe.sessions, send, letter.id, at=NOON)
        with pytest.raises(dead_letters.ReplayRefusedError):
            await dead_letters.replay(probe.sessions, send, letter.id, at=NOON)
        await send(letter.source_topic, letter.value, letter.key, letter.headers)  # a repeat
        await probe.write([("r", 4)])  # same key, same partition: read after the replay
        await eventually(probe.applied_count, lambda n: n >= 5)
    finally:
        await producer.stop()
        await consumer.stop()
        await relay.stop()
        await epoch.stop()
        await probe.close()
    assert await probe.applied() == [("r", 1), ("r", 2), ("r", 3), ("r", -1), ("r", 4)]
