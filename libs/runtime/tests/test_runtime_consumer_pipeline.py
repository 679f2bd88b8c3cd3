"""What makes the consumer fast, on a stand-in for the Kafka client: fetching and
decoding overlap the write in flight, yet writes never overlap and offsets are
committed in order; a failed pass reads again what it had not committed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from townhall.runtime.consumer import Delivery, IdempotentConsumer, Record
from townhall.runtime.consumer.subscription import with_topics
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.testkit.probe import apply_notes, validate_probe
from townhall.runtime.testkit.records import envelope_record, note_envelope, raw_record

GROUP = "pipeline-group"
TP0, TP1 = TopicPartition("probe.events", 0), TopicPartition("probe.events", 1)


class KafkaClient:
    """Answers fetches from a script and records seeks and commits."""

    def __init__(self, fetches: Sequence[dict[TopicPartition, list[Record]]] = ()):
        self.fetches = list(fetches)
        self.fetched = 0
        self.fetched_twice = asyncio.Event()
        self.highwaters: dict[TopicPartition, int] = {}
        self.seeks: dict[TopicPartition, int] = {}
        self.commits: list[dict[TopicPartition, int]] = []

    def assignment(self) -> set[TopicPartition]:
        return {TP0, TP1}

    def highwater(self, tp: TopicPartition) -> int | None:
        return self.highwaters.get(tp)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks[tp] = offset

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))

    async def getmany(
        self, timeout_ms: int, max_records: int
    ) -> dict[TopicPartition, list[Record]]:
        self.fetched += 1
        if self.fetched == 2:
            self.fetched_twice.set()
        return self.fetches.pop(0) if self.fetches else {}


class GatedApplier:
    """Holds each write until its gate opens; notes how many writes ran at once."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.running = self.most_at_once = 0
        self.applied: list[list[int]] = []

    async def apply(self, deliveries: Sequence[Delivery]) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        await self.gate.wait()
        self.applied.append([d.record.offset for d in deliveries])
        self.running -= 1


def consumer_on(client: KafkaClient) -> IdempotentConsumer:
    consumer = IdempotentConsumer(
        group=GROUP,
        topics=["probe.events"],
        handler=apply_notes,
        sessions=None,  # type: ignore[arg-type]
        kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"),
        epoch=None,  # type: ignore[arg-type]
        validate=validate_probe,
    )
    consumer._consumer = client  # type: ignore[assignment]
    consumer._next_epoch_check = float("inf")
    consumer._next_housekeeping = float("inf")
    return consumer


def notes(tp: TopicPartition, offsets: range) -> list[Record]:
    return [
        envelope_record(note_envelope("r", o), topic=tp.topic, partition=tp.partition, offset=o)
        for o in offsets
    ]


async def test_the_next_fetch_is_read_while_the_write_before_is_in_flight() -> None:
    client = KafkaClient([{TP0: notes(TP0, range(3))}, {TP0: notes(TP0, range(3, 5))}])
    consumer = consumer_on(client)
    applier = consumer.applier = GatedApplier()  # type: ignore[assignment]
    fetched: list[dict[TopicPartition, list[Record]]] = []
    await consumer._pass(fetched)
    second = asyncio.create_task(consumer._pass(fetched))
    await client.fetched_twice.wait()
    assert applier.applied == [], "the second fetch was read before the first write ended"
    applier.gate.set()
    await second
    await consumer.settle()
    assert applier.most_at_once == 1, "one write in flight at a time"
    assert applier.applied == [[0, 1, 2], [3, 4]]
    assert client.commits == [{TP0: 3}, {TP0: 5}], "offsets committed in order"


async def test_decoding_a_large_fetch_gives_the_write_in_flight_turns() -> None:
    consumer = consumer_on(KafkaClient())
    turns = 0

    async def write_steps() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    steps = asyncio.create_task(write_steps())
    await asyncio.sleep(0)
    before = turns
    deliveries = await consumer._decode_all({TP0: notes(TP0, range(200))})
    steps.cancel()
    assert len(deliveries) == 200 and all(d.applicable for d in deliveries)
    assert turns - before >= 3


async def test_a_failed_pass_seeks_back_to_the_first_record_not_committed() -> None:
    client = KafkaClient()
    consumer = consumer_on(client)
    consumer._applied[TP0] = 10
    other = TopicPartition("probe.events", 7)  # no longer assigned: left alone
    fetched = [
        {TP0: notes(TP0, range(10, 15)), TP1: notes(TP1, range(4, 6))},
        {TP0: notes(TP0, range(15, 20)), other: notes(other, range(2))},
    ]
    consumer._seek_back(fetched)
    assert client.seeks == {TP0: 10, TP1: 4}


async def test_committing_measures_the_lag_and_notices_a_log_shorter_than_the_position() -> None:
    client = KafkaClient()
    client.highwaters = {TP0: 12, TP1: 3}
    consumer = consumer_on(client)
    await consumer._commit({TP0: 5})
    lag = {"group": GROUP, "topic": TP0.topic, "partition": "0"}
    assert REGISTRY.get_sample_value("townhall_consumer_lag", lag) == 7
    assert consumer._next_epoch_check == float("inf")
    await consumer._commit({TP1: 8})
    assert consumer._next_epoch_check == 0.0, "a reset broker is looked for at once"


async def test_a_record_that_is_no_event_is_decoded_into_its_reason() -> None:
    [delivery] = await consumer_on(KafkaClient())._decode_all({TP0: [raw_record(b"{")]})
    assert delivery.envelope is None and "missing CloudEvents headers" in (delivery.error or "")


def test_named_topics_and_a_pattern_make_one_expression() -> None:
    assert with_topics(r"^legacy\..*$", ["a.b", "c"]) == r"^(?:a\.b|c)$|^legacy\..*$"
    assert with_topics(r"^legacy\..*$", []) == r"^legacy\..*$"
