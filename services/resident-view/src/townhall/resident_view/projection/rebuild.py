"""Rebuild the projection from the beginning of the topics, beside the one serving.

The next generation is filled by its own consumer group from offset 0 while the live
service keeps serving the current one. Once it has caught up with every partition it
is activated; the live service notices, switches readers and consumer to it, and
discards the old rows (see :mod:`.live`). A failed rebuild leaves the served
generation untouched; the next attempt first clears what it left.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from townhall.resident_view.adapters import generation_rows
from townhall.resident_view.adapters.orm import MIGRATIONS
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.projection import generations
from townhall.resident_view.projection.generations import Generation
from townhall.resident_view.projection.live import consumer_spec
from townhall.resident_view.projection.resident_index import ResidentIndex
from townhall.runtime.consumer import IdempotentConsumer
from townhall.runtime.service import ServiceRuntime

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Rebuilt:
    generation: Generation
    events: int


async def rebuild(
    settings: ResidentViewSettings, on_progress: Progress | None = None, timeout_s: float = 3600
) -> Rebuilt:
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS, produces=False)
    await runtime.start()
    try:
        async with runtime.sessions.begin() as session:
            serving = await generations.active(session)
            target = Generation.new(max(serving.number, await generation_rows.newest(session)) + 1)
            await generation_rows.discard(session, target.number)
        residents = ResidentIndex.configured(settings)
        consumer = runtime.make_consumer(consumer_spec(target, residents))
        await consumer.start()
        try:
            events = await _catch_up(consumer, on_progress, timeout_s)
        finally:
            await consumer.stop()
            if residents.keys is not None:
                await residents.keys.aclose()
        async with runtime.sessions.begin() as session:
            await generations.activate(session, target)
        return Rebuilt(target, events)
    finally:
        await runtime.stop()


async def _catch_up(
    consumer: IdempotentConsumer, on_progress: Progress | None, timeout_s: float
) -> int:
    """Wait until every partition's records up to its high watermark are applied."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = await consumer.progress()
        if state is not None:
            if on_progress:
                on_progress(*state)
            if state[0] >= state[1]:
                return state[0]
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the rebuild did not catch up within {timeout_s:.0f}s")
