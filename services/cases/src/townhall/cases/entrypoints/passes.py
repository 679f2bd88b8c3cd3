"""Cases' background passes: the SLA monitor and the retries of resident matching.

Every SLA pass runs :class:`CheckSla` through the bus; a case's breach is recorded with
its ``breached_at`` and the event in one transaction, guarded by the case's version,
so restarts, repeated passes and several replicas never emit a breach twice.

The same pass runs :class:`SweepErasures`: a case of an erased resident committed
while the erasure was being applied (two transactions racing) is blanked then; and
:class:`RemoveErasedEvidence`: erased residents' evidence files leave the store.

The matching pass runs :class:`RetryResidentMatches` (see
:mod:`townhall.cases.service_layer.resident_matching`) on its own, shorter, interval.
"""

from __future__ import annotations

from townhall.cases.config import CasesSettings
from townhall.cases.domain.commands import (
    CheckSla,
    RemoveErasedEvidence,
    RetryResidentMatches,
    SweepErasures,
)
from townhall.cases.service_layer.unit_of_work import Bus
from townhall.runtime.background import Periodic
from townhall.runtime.outbox import EventContext


class BackgroundPasses:
    def __init__(self, bus: Bus, settings: CasesSettings):
        self.bus = bus
        self.retry = RetryResidentMatches(
            first_retry_s=settings.resident_match_first_retry_s,
            longest_wait_s=settings.resident_match_longest_wait_s,
        )
        self._passes = (
            Periodic("cases-sla-monitor", settings.sla_check_interval_s, self._sla_pass),
            Periodic(
                "cases-resident-matching",
                settings.resident_match_retry_interval_s,
                self.retry_matches_once,
            ),
        )

    async def check_once(self) -> int:
        return int(await self.bus.handle(CheckSla(), EventContext(correlation_id="sla-monitor")))

    async def sweep_once(self) -> int:
        """Blank late cases of erased residents, then remove erased evidence files;
        how many cases were blanked."""
        context = EventContext(correlation_id="erasure-sweep")
        blanked = int(await self.bus.handle(SweepErasures(), context))
        await self.bus.handle(RemoveErasedEvidence(), context)
        return blanked

    async def retry_matches_once(self) -> int:
        """Ask identity again about the cases it could not match; how many it matched."""
        context = EventContext(correlation_id="resident-matching")
        return int(await self.bus.handle(self.retry, context))

    async def start(self) -> None:
        for periodic in self._passes:
            await periodic.start()

    async def stop(self) -> None:
        for periodic in self._passes:
            await periodic.stop()

    async def _sla_pass(self) -> None:
        await self.check_once()
        await self.sweep_once()
