"""The poll: every ``POLL_INTERVAL_S`` it asks the provider about payments still open
past their expiry, catching up when webhooks are late (service_layer/updates.py), and
sends the refunds cancelled visits are owed (service_layer/visits.py).

One replica polls at a time: each round first takes (or renews) a lease in the
database, so two replicas never send the same refund at once.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.payments.domain.commands import CatchUp, SendRefunds
from townhall.payments.service_layer.unit_of_work import Bus
from townhall.runtime.background import Periodic
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.outbox import EventContext
from townhall.runtime.state import try_lease

LEASE = "payments-poll"


class Poller:
    def __init__(
        self,
        bus: Bus,
        sessions: async_sessionmaker[AsyncSession],
        interval_s: float,
        batch_size: int = 100,
        *,
        clock: Clock = utc_now,
    ):
        self.bus = bus
        self.sessions = sessions
        self.interval_s = interval_s
        self.batch_size = batch_size
        self.clock = clock
        self.owner = f"poller-{uuid.uuid4().hex}"
        self._periodic = Periodic("payments-poll", interval_s, self.poll_once)

    async def leads(self) -> bool:
        """Take or renew the lease for this round (it lasts two intervals)."""
        now = self.clock()
        until = now + timedelta(seconds=max(self.interval_s, 1.0) * 2)
        async with self.sessions.begin() as session:
            return await try_lease(session, LEASE, self.owner, now=now, until=until)

    async def poll_once(self) -> int:
        if not await self.leads():
            return 0
        context = EventContext(correlation_id="payments-poll")
        moved = int(await self.bus.handle(CatchUp(self.batch_size), context))
        return moved + int(await self.bus.handle(SendRefunds(self.batch_size), context))

    async def start(self) -> None:
        await self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
