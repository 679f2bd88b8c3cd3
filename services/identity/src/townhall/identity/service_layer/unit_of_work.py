"""One business transaction: state changes and their outbox rows commit together."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.adapters.event_mapping import to_contract
from townhall.identity.adapters.repository import ResidentRepository
from townhall.runtime.outbox import EventContext, Outbox


class UnitOfWork:
    residents: ResidentRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox):
        self.sessions = sessions
        self.outbox = outbox
        self.context = EventContext(correlation_id="unknown")

    async def __aenter__(self) -> UnitOfWork:
        self.session = self.sessions()
        self.residents = ResidentRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        """Write the new events to the outbox in this transaction, then commit."""
        events = [to_contract(e) for r in self.residents.seen for e in r.events]
        await self.outbox.add(self.session, events, self.context)
        await self.session.commit()
        for resident in self.residents.seen:
            resident.events.clear()
        if events:
            self.outbox.committed()
