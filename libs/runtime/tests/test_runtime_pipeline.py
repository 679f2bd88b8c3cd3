"""The runtime's promises, on the real embedded broker, with SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.runtime.binding import KafkaRecord, to_record
from townhall.runtime.broker import EmbeddedBroker, free_port
from townhall.runtime.consumer import IdempotentConsumer
from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.kafka import ensure_topics
from townhall.runtime.outbox import EventContext
from townhall.runtime.settings import KafkaSettings, embedded_kafka_settings
from townhall.runtime.tables import processed_events
from townhall.runtime.testkit.probe import Probe, apply_notes, validate_probe
from townhall.runtime.testkit.topics import read_all, send_raw
from townhall.runtime.testkit.waiting import eventually
from townhall.schemas.envelope import Envelope
from townhall.schemas.topics import TopicSpec

pytestmark = pytest.mark.broker


@pytest.fixture
async def epoch(kafka_settings: KafkaSettings) -> AsyncIterator[BrokerEpoch]:
    watcher = BrokerEpoch(kafka_settings)
    await watcher.start()
    yield watcher
    await watcher.stop()


@pytest.fixture
async def probe(
    database_url: str, kafka_settings: KafkaSettings, topic: str
) -> AsyncIterator[Probe]:
    opened = await Probe.open(database_url, kafka_settings, topic, f"group-{uuid.uuid4().hex[:8]}")
    yield opened
    await opened.close()


async def test_committed_events_reach_the_consumer_once(probe: Probe, epoch: BrokerEpoch) -> None:
    relay, consumer = probe.relay(epoch), probe.consumer(epoch)
    await relay.start()
    await consumer.start()
    try:
        await probe.write([("r1", 1), ("r2", 1), ("r1", 2)])
        applied = await eventually(probe.applied, lambda rows: len(rows) >= 3)
    finally:
        await consumer.stop()
        await relay.stop()
    assert sorted(applied) == [("r1", 1), ("r1", 2), ("r2", 1)]


async def _worker(probe: Probe, mode: str, database_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "townhall.runtime.testkit.workers",
        mode,
        "--db",
        database_url,
        "--bootstrap",
        probe.kafka.bootstrap_servers,
        "--topic",
        probe.topic,
        "--group",
        probe.group,
        stdout=asyncio.subprocess.PIPE,
    )


async def test_a_relay_killed_between_publish_and_mark_causes_a_duplicate_the_consumer_drops(
    probe: Probe, epoch: BrokerEpoch, database_url: str
) -> None:
    await probe.write([(f"r{i}", 1) for i in range(20)])
    dying = await _worker(probe, "relay-then-die", database_url)
    assert await dying.wait() == -signal.SIGKILL

    relay, consumer = probe.relay(epoch), probe.consumer(epoch)
    await relay.start()
    await consumer.start()
    try:
        records = await read_all(probe.kafka, probe.topic, at_least=40)
        await eventually(probe.applied_count, lambda n: n >= 20)
        await probe.write([("last", 1)])
        await eventually(probe.applied_count, lambda n: n >= 21)
    finally:
        await consumer.stop()
        await relay.stop()
    ids = [dict(r.headers)["ce_id"] for r in records]
    assert len(ids) == 40 and len(set(ids)) == 20, "each event was published twice"
    assert await probe.applied_count() == 21, "the consumer applied each event once"


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_next_is_processed(
    probe: Probe, epoch: BrokerEpoch
) -> None:
    consumer = probe.consumer(epoch)
    relay = probe.relay(epoch)
    await consumer.start()
    await send_raw(probe.kafka, probe.topic, b"not json", headers=[("x-origin", b"legacy")])
    good = await _envelope_record(probe, n=1)
    await send_raw(
        probe.kafka,
        probe.topic,
        good.value,
        headers=_with(good.headers, ce_type=b"townhall.probe.unknown.v1"),
    )
    await send_raw(
        probe.kafka, probe.topic, b'{"resident_id": "r", "n": "many"}', headers=good.headers
    )
    await probe.write([("r", 1), ("r", -1), ("r", 2)])
    await relay.start()
    try:
        dead = await read_all(probe.kafka, consumer.dlq, at_least=4)
        applied = await eventually(probe.applied, lambda rows: len(rows) >= 2)
    finally:
        await consumer.stop()
        await relay.stop()
    assert applied == [("r", 1), ("r", 2)]
    reasons = sorted(dict(r.headers)["dlq_reason"].decode() for r in dead)
    assert len(reasons) == 4
    assert any("missing CloudEvents headers" in r for r in reasons)
    assert any("unknown event type" in r for r in reasons)
    assert any("n" in r and "integer" in r for r in reasons)
    assert any("negative note -1" in r for r in reasons)
    malformed = next(r for r in dead if r.value == b"not json")
    assert dict(malformed.headers)["x-origin"] == b"legacy", "original headers are kept"
    assert dict(malformed.headers)["dlq_topic"] == probe.topic.encode()


async def _envelope_record(probe: Probe, n: int) -> KafkaRecord:
    from townhall.runtime.testkit.probe import Noted

    envelope = probe.outbox._envelope(
        Noted(resident_id="r", n=n), EventContext("c"), sequence=1, time=datetime.now(UTC)
    )
    return to_record(envelope)


def _with(headers: list[tuple[str, bytes]], **changes: bytes) -> list[tuple[str, bytes]]:
    return [(name, changes.get(name, value)) for name, value in headers]


async def test_a_consumer_killed_with_sigkill_resumes_from_its_committed_offset(
    probe: Probe, epoch: BrokerEpoch, database_url: str
) -> None:
    relay = probe.relay(epoch)
    await relay.start()
    first = await _worker(probe, "consume", database_url)
    try:
        for chunk in range(10):
            await probe.write([(f"r{i % 50}", chunk * 200 + i) for i in range(200)])
        await eventually(probe.applied_count, lambda n: n >= 300)
        first.kill()
        await first.wait()
        second = await _worker(probe, "consume", database_url)
        try:
            await eventually(probe.applied_count, lambda n: n >= 2000)
            await probe.write([("final", 1)])
            await eventually(probe.applied_count, lambda n: n >= 2001)
        finally:
            second.kill()
            await second.wait()
    finally:
        await relay.stop()
    applied = await probe.applied()
    assert len(applied) == 2001 and len(set(applied)) == 2001, "nothing lost, nothing twice"


async def test_ten_thousand_events_for_a_hundred_residents_arrive_in_per_resident_order(
    probe: Probe, epoch: BrokerEpoch
) -> None:
    relay, consumer = probe.relay(epoch), probe.consumer(epoch)
    for chunk in range(20):
        await probe.write([(f"resident-{i % 100}", chunk * 500 + i) for i in range(500)])
    await relay.start()
    await consumer.start()
    try:
        applied = await eventually(probe.applied, lambda rows: len(rows) >= 10_000)
    finally:
        await consumer.stop()
        await relay.stop()
    assert len(applied) == 10_000
    per_resident: dict[str, list[int]] = {}
    for resident, n in applied:
        per_resident.setdefault(resident, []).append(n)
    assert len(per_resident) == 100
    for resident, ns in per_resident.items():
        assert ns == sorted(ns), f"{resident} saw its events out of order"


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test's own, so restarting it disturbs no other test."""
    embedded = EmbeddedBroker(port=free_port(), log_file=tmp_path / "tansu.log")
    embedded.start()
    asyncio.run(embedded.prepare(embedded_kafka_settings(embedded.bootstrap_servers)))
    yield embedded
    embedded.stop()


async def test_a_broker_restart_mid_stream_loses_nothing_and_shows_nothing_twice(
    own_broker: EmbeddedBroker, database_url: str
) -> None:
    kafka = embedded_kafka_settings(own_broker.bootstrap_servers)
    probe = await Probe.open(database_url, kafka, "identity.events", "restart-test")
    epoch = BrokerEpoch(kafka)
    await epoch.start()
    before = await epoch.current()
    relay, consumer = probe.relay(epoch), probe.consumer(epoch)
    await relay.start()
    await consumer.start()
    try:
        for chunk in range(15):
            await probe.write([(f"r{i % 40}", chunk * 100 + i) for i in range(100)])
        await eventually(probe.applied_count, lambda n: n >= 500)
        own_broker.kill()  # memory-only: every topic and committed offset is gone
        own_broker.start()
        for chunk in range(15, 30):
            await probe.write([(f"r{i % 40}", chunk * 100 + i) for i in range(100)])
        await eventually(probe.applied_count, lambda n: n >= 3000, timeout_s=120)
        await probe.write([("final", 1)])
        await eventually(probe.applied_count, lambda n: n >= 3001)
        after = await epoch.current()
    finally:
        await consumer.stop()
        await relay.stop()
        await epoch.stop()
        await probe.close()
    assert after != before, "the reset was noticed as a new broker epoch"
    applied = await probe.applied()
    assert len(applied) == 3001 and len(set(applied)) == 3001, "nothing lost, nothing twice"


async def test_transient_failures_are_retried_until_the_event_is_applied_once(
    probe: Probe, epoch: BrokerEpoch
) -> None:
    failures = 0

    async def flaky(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        nonlocal failures
        if failures < 3:
            failures += 1
            raise OperationalError("INSERT", {}, Exception("database is restarting"))
        await apply_notes(session, envelopes)

    consumer = IdempotentConsumer(
        group=probe.group,
        topics=[probe.topic],
        handler=flaky,
        sessions=probe.sessions,
        kafka=probe.kafka,
        epoch=epoch,
        validate=validate_probe,
    )
    relay = probe.relay(epoch)
    await probe.write([("r", 1), ("r", 2)])
    await relay.start()
    await consumer.start()
    try:
        applied = await eventually(probe.applied, lambda rows: len(rows) >= 2)
        dead = await read_all(probe.kafka, consumer.dlq, at_least=1, timeout_s=1)
    finally:
        await consumer.stop()
        await relay.stop()
    assert failures == 3
    assert applied == [("r", 1), ("r", 2)]
    assert dead == [], "a passing failure is never dead-lettered"


async def test_two_relays_on_one_database_publish_each_event_once(
    probe: Probe, epoch: BrokerEpoch
) -> None:
    first, second = probe.relay(epoch), probe.relay(epoch)
    await probe.write([(f"r{i}", i) for i in range(50)])
    await first.start()
    await second.start()
    try:
        records = await read_all(probe.kafka, probe.topic, at_least=50)
        await probe.write([("after", 1)])
        records = await read_all(probe.kafka, probe.topic, at_least=51)
    finally:
        await first.stop()
        await second.stop()
    ids = [dict(r.headers)["ce_id"] for r in records]
    assert len(ids) == len(set(ids)) == 51, "only the lease holder publishes"


async def test_a_pass_that_fails_outside_the_handler_reads_its_records_again(
    probe: Probe, epoch: BrokerEpoch
) -> None:
    """The dead-letter topic refuses once: the poison record and those fetched with it
    are read again, not skipped, while the next fetch was already decoded."""
    consumer = probe.consumer(epoch)
    refused = 0
    dead_letter = consumer._dead_letter

    async def dead_letter_refusing_once(
        record: Any, reason: str, envelope: Envelope | None
    ) -> None:
        nonlocal refused
        if refused == 0:
            refused += 1
            raise KafkaConnectionError("the dead-letter topic is unreachable")
        await dead_letter(record, reason, envelope)

    consumer._dead_letter = dead_letter_refusing_once  # type: ignore[method-assign]
    relay = probe.relay(epoch)
    await probe.write([("r", n) for n in range(1, 200)])
    await probe.write([("r", -1)])
    await probe.write([("r", n) for n in range(200, 400)])
    await relay.start()
    await consumer.start()
    try:
        applied = await eventually(probe.applied, lambda rows: len(rows) >= 399)
        dead = await read_all(probe.kafka, consumer.dlq, at_least=1)
    finally:
        await consumer.stop()
        await relay.stop()
    assert refused == 1
    assert applied == [("r", n) for n in range(1, 400)], "nothing skipped, nothing twice"
    assert [dict(r.headers)["dlq_reason"] for r in dead] == [
        b"PoisonMessageError: negative note -1"
    ]


async def test_a_handler_that_deduplicates_by_itself_sees_repeats_and_says_what_was_new(
    probe: Probe, epoch: BrokerEpoch
) -> None:
    seen: set[str] = set()
    batches: list[int] = []

    async def own_dedupe(session: AsyncSession, envelopes: Sequence[Envelope]) -> int:
        new = []
        for envelope in envelopes:
            if envelope.id not in seen:
                seen.add(envelope.id)
                new.append(envelope)
        batches.append(len(envelopes))
        await apply_notes(session, new)
        return len(new)

    consumer = IdempotentConsumer(
        group=probe.group,
        topics=[probe.topic],
        handler=own_dedupe,
        sessions=probe.sessions,
        kafka=probe.kafka,
        epoch=epoch,
        validate=validate_probe,
        handler_dedupes=True,
    )
    record = await _envelope_record(probe, n=7)
    for _ in range(3):
        await send_raw(probe.kafka, probe.topic, record.value, headers=record.headers)
    await consumer.start()
    try:
        await eventually(consumer.progress, lambda p: p is not None and p[0] == 3)
    finally:
        await consumer.stop()
    assert sum(batches) == 3, "the repeats reached the handler"
    assert await probe.applied() == [("r", 7)]
    async with probe.sessions() as session:
        marked = (
            await session.execute(select(func.count()).select_from(processed_events))
        ).scalar()
    assert marked == 0, "the consumer keeps no second record of what the handler keyed"


async def test_a_pattern_subscription_consumes_topics_created_after_it_started(
    probe: Probe, epoch: BrokerEpoch
) -> None:
    kafka = probe.kafka.model_copy(update={"metadata_max_age_ms": 300})
    consumer = IdempotentConsumer(
        group=probe.group,
        topics=[probe.topic],
        handler=apply_notes,
        sessions=probe.sessions,
        kafka=kafka,
        epoch=epoch,
        validate=validate_probe,
        pattern=r"^legacy\.probe_[0-9a-f]+\.rows$",
    )
    await consumer.start()
    try:
        await eventually(consumer.progress, lambda p: p is not None)
        late = f"legacy.probe_{uuid.uuid4().hex[:8]}.rows"
        await ensure_topics(kafka, [TopicSpec(late, 2)])
        named, legacy = await _envelope_record(probe, n=1), await _envelope_record(probe, n=2)
        await send_raw(kafka, probe.topic, named.value, headers=named.headers)
        await send_raw(kafka, late, legacy.value, headers=legacy.headers)
        applied = await eventually(probe.applied, lambda rows: len(rows) >= 2)
    finally:
        await consumer.stop()
    assert sorted(applied) == [("r", 1), ("r", 2)]
