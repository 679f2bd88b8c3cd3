"""The live projection: feeds the active generation and follows activations.

On start it serves the active generation (the first, if none was ever activated) and
runs that generation's consumer. Every few seconds it looks whether a rebuild has
activated a newer generation; if so it starts the new generation's consumer (which
resumes where the rebuild left off), stops the old one and discards the rows of older
generations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from townhall.resident_view.adapters import generation_rows
from townhall.resident_view.projection import generations
from townhall.resident_view.projection.generations import Generation
from townhall.resident_view.projection.projector import Projector, validate
from townhall.resident_view.projection.resident_index import ResidentIndex
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.consumer import IdempotentConsumer
from townhall.runtime.service import ConsumerSpec, ServiceRuntime
from townhall.schemas.topics import DOMAIN_TOPICS, dlq_topic

log = logging.getLogger(__name__)
TOPICS = sorted(DOMAIN_TOPICS.values())
SERVICE = "resident-view"


def consumer_spec(
    generation: Generation, residents: ResidentIndex | None = None, clock: Clock = utc_now
) -> ConsumerSpec:
    return ConsumerSpec(
        group=generation.group,
        topics=TOPICS,
        handler=Projector(generation.number, residents, clock),
        validate=validate,
        dead_letter_topic=dlq_topic(SERVICE),
        handler_dedupes=True,
        # legacy systems' changes arrive as the legacy mapper's events on legacy.events
        # (their raw change events on legacy.<system>.<table> are the mapper's to read)
    )


class LiveProjection:
    name = "projection"

    def __init__(
        self,
        runtime: ServiceRuntime,
        watch_interval_s: float = 2.0,
        residents: ResidentIndex | None = None,
        clock: Clock = utc_now,
    ):
        self.runtime = runtime
        self.residents = residents
        self.clock = clock
        self.watch_interval_s = watch_interval_s
        self.generation = generations.Generation(0, "")
        self.consumer: IdempotentConsumer | None = None
        self._watch: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        return self.consumer is not None and self.consumer.ready

    async def start(self) -> None:
        async with self.runtime.sessions.begin() as session:
            self.generation = await generations.active(session)
        self.consumer = self.runtime.make_consumer(
            consumer_spec(self.generation, self.residents, self.clock)
        )
        await self.consumer.start()
        self._watch = asyncio.create_task(self._follow(), name="projection-activations")

    def _spec(self, generation: Generation) -> ConsumerSpec:
        return consumer_spec(generation, self.residents, self.clock)

    async def stop(self) -> None:
        if self._watch:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self.consumer:
            await self.consumer.stop()

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self.watch_interval_s)
            try:
                await self.follow_once()
            except Exception:
                log.exception("could not check for a newly activated generation")

    async def follow_once(self) -> None:
        async with self.runtime.sessions.begin() as session:
            active = await generations.active(session)
        if active == self.generation:
            return
        old_consumer = self.consumer
        self.consumer = self.runtime.make_consumer(
            consumer_spec(active, self.residents, self.clock)
        )
        await self.consumer.start()
        self.generation = active
        if old_consumer:
            await old_consumer.stop()
        async with self.runtime.sessions.begin() as session:
            # older than the active one, not just the previous: another process that
            # projects beside this one may have written to it until it switched too
            await generation_rows.discard_older(session, active.number)
        log.info("now serving a rebuilt generation", extra={"generation": active.number})
