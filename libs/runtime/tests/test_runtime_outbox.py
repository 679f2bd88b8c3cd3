"""The outbox: gapless per-source sequences, written only with the business transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from townhall.runtime.outbox import EventContext, Outbox, backlog
from townhall.runtime.settings import KafkaSettings
from townhall.runtime.tables import outbox
from townhall.runtime.testkit.probe import Noted, Probe

CONTEXT = EventContext(correlation_id="c-1", causation_id="cause-1")


@pytest.fixture
async def probe(database_url: str, kafka_settings: KafkaSettings) -> AsyncIterator[Probe]:
    opened = await Probe.open(database_url, kafka_settings, "unused.topic", "unused-group")
    yield opened
    await opened.close()


async def _sequences(probe: Probe) -> list[int]:
    async with probe.sessions() as session:
        rows = await session.execute(select(outbox.c.sequence).order_by(outbox.c.sequence))
        return list(rows.scalars())


async def test_envelopes_carry_the_context_and_consecutive_sequences(probe: Probe) -> None:
    async with probe.sessions.begin() as session:
        envelopes = await probe.outbox.add(
            session, [Noted(resident_id="r1", n=1), Noted(resident_id="r1", n=2)], CONTEXT
        )
    assert [e.sequence for e in envelopes] == [1, 2]
    assert {e.correlationid for e in envelopes} == {"c-1"}
    assert {e.causationid for e in envelopes} == {"cause-1"}
    assert envelopes[0].residentid == "r1" and envelopes[0].key == "r1"
    assert envelopes[0].source == "/townhall/probe"


async def test_a_rolled_back_transaction_leaves_no_row_and_no_gap(probe: Probe) -> None:
    await probe.write([("r", 1)])
    with pytest.raises(RuntimeError):
        async with probe.sessions.begin() as session:
            await probe.outbox.add(session, [Noted(resident_id="r", n=2)], CONTEXT)
            raise RuntimeError("the business change failed")
    await probe.write([("r", 3)])
    assert await _sequences(probe) == [1, 2]
    async with probe.sessions() as session:
        assert await backlog(session) == 2


async def test_concurrent_writers_get_a_gapless_sequence(probe: Probe) -> None:
    async def writer(i: int) -> None:
        for n in range(5):
            await probe.write([(f"r{i}", n), (f"r{i}", n + 100)])

    await asyncio.gather(*(writer(i) for i in range(8)))
    assert await _sequences(probe) == list(range(1, 81))


async def test_an_event_from_another_service_is_refused(probe: Probe) -> None:
    other = Outbox("identity", topic="unused.topic")
    async with probe.sessions.begin() as session:
        with pytest.raises(ValueError, match="belongs to /townhall/probe"):
            await other.add(session, [Noted(resident_id="r", n=1)], CONTEXT)
