"""Noticing that the broker lost its data, and putting back what the connector had sent.

The embedded broker is memory-only: a restart loses every topic. The platform marks each
broker life with an epoch (``townhall.runtime.epoch``). A connector stores the epoch with
its position and keeps every record it published for a while (``OffsetStore.retained``,
as services keep their outbox rows); when the epoch changes it publishes them all again,
in order, before anything new. The records are the same bytes with the same ``source``
positions, so consumers drop whatever they had already applied.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from townhall.runtime.epoch import BrokerEpoch
from townhall.runtime.settings import KafkaSettings


async def _read(settings: KafkaSettings) -> str:
    epoch = BrokerEpoch(settings)
    try:
        return await epoch.current()
    finally:
        await epoch.stop()


class EpochWatch:
    """The broker epoch, read at most every ``interval_s`` (each read is a round trip)."""

    def __init__(
        self,
        settings: KafkaSettings,
        interval_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings
        self.interval_s = interval_s
        self.monotonic = monotonic
        self._last = float("-inf")

    def current(self) -> str:
        """Read the epoch now (claiming one if the broker has none)."""
        self._last = self.monotonic()
        return asyncio.run(_read(self.settings))

    def due(self) -> bool:
        return self.monotonic() - self._last >= self.interval_s
