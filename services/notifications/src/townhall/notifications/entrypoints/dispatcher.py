"""The background task that sends what is due, every ``DISPATCH_INTERVAL_S``."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from townhall.notifications.domain.commands import DispatchDue
from townhall.notifications.service_layer.unit_of_work import Bus
from townhall.runtime.outbox import EventContext

log = structlog.get_logger(__name__)


class Dispatcher:
    def __init__(self, bus: Bus, interval_s: float, batch: int):
        self.bus, self.interval_s, self.batch = bus, interval_s, batch
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Send one batch of what is due; how many went."""
        sent: int = await self.bus.handle(DispatchDue(self.batch), EventContext("dispatch"))
        return sent

    async def _loop(self) -> None:
        while True:
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("dispatch_failed")
                sent = 0
            if sent < self.batch:
                await asyncio.sleep(self.interval_s)

    async def start(self) -> None:
        if self.interval_s > 0:
            self._task = asyncio.create_task(self._loop(), name="notifications-dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
