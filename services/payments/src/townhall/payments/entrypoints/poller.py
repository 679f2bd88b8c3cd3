"""The poll: every ``POLL_INTERVAL_S`` it asks the provider about payments still open
past their expiry, catching up when webhooks are late (service_layer/updates.py), and
sends the refunds cancelled visits are owed (service_layer/visits.py).
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from townhall.payments.domain.commands import CatchUp, SendRefunds
from townhall.payments.service_layer.unit_of_work import Bus
from townhall.runtime.outbox import EventContext

log = structlog.get_logger(__name__)


class Poller:
    def __init__(self, bus: Bus, interval_s: float, batch_size: int = 100):
        self.bus = bus
        self.interval_s = interval_s
        self.batch_size = batch_size
        self._task: asyncio.Task[None] | None = None

    async def poll_once(self) -> int:
        context = EventContext(correlation_id="payments-poll")
        moved = int(await self.bus.handle(CatchUp(self.batch_size), context))
        return moved + int(await self.bus.handle(SendRefunds(self.batch_size), context))

    async def start(self) -> None:
        if self.interval_s > 0:
            self._task = asyncio.create_task(self._run(), name="payments-poll")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("payments_poll_failed")
            await asyncio.sleep(self.interval_s)
