"""The SLA monitor: a background task that emits each breach once.

Every pass runs :class:`CheckSla` through the bus; a case's breach is recorded with
its ``breached_at`` and the event in one transaction, guarded by the case's version,
so restarts, repeated passes and several replicas never emit a breach twice.

The same pass runs :class:`SweepErasures`: a case of an erased resident committed
while the erasure was being applied (two transactions racing) is blanked then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from townhall.cases.domain.commands import CheckSla, SweepErasures
from townhall.cases.service_layer.unit_of_work import Bus
from townhall.runtime.outbox import EventContext

log = logging.getLogger(__name__)


class SlaMonitor:
    def __init__(self, bus: Bus, interval_s: float):
        self.bus = bus
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def check_once(self) -> int:
        return int(await self.bus.handle(CheckSla(), EventContext(correlation_id="sla-monitor")))

    async def sweep_once(self) -> int:
        context = EventContext(correlation_id="erasure-sweep")
        return int(await self.bus.handle(SweepErasures(), context))

    async def start(self) -> None:
        if self.interval_s > 0:
            self._task = asyncio.create_task(self._run(), name="cases-sla-monitor")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.check_once()
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("SLA check failed; trying again next interval")
            await asyncio.sleep(self.interval_s)
