"""How a consumer subscribes: named topics and a pattern, and what a rebalance does."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Sequence
from typing import Protocol

from aiokafka import ConsumerRebalanceListener, TopicPartition


class Rewinding(Protocol):
    """What the rebalance listener needs of its consumer."""

    @property
    def inflight(self) -> asyncio.Task[None] | None: ...

    @property
    def rewind_pending(self) -> bool: ...

    async def rewind_partitions(self, partitions: set[TopicPartition]) -> None: ...


def with_topics(pattern: str, topics: Sequence[str]) -> str:
    """One expression for the named topics and the pattern (aiokafka takes one or the other)."""
    named = "|".join(re.escape(topic) for topic in topics)
    return f"^(?:{named})$|{pattern}" if named else pattern


class RewindOnAssign(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: Rewinding):
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        """Finish the write in flight so its offsets are committed before handing over."""
        inflight = self.consumer.inflight
        if inflight is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(inflight)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if self.consumer.rewind_pending and assigned:
            await self.consumer.rewind_partitions(assigned)
