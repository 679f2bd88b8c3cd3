"""One business transaction: state changes and their outbox rows commit together."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.cases.adapters.event_mapping import to_contract
from townhall.cases.adapters.repository import CaseRepository, ContactRepository
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.contacts import Contact
from townhall.cases.domain.model import Case
from townhall.runtime.outbox import EventContext, Outbox


class UnitOfWork:
    cases: CaseRepository
    contacts: ContactRepository
    session: AsyncSession

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, catalogue: Catalogue
    ):
        self.sessions = sessions
        self.outbox = outbox
        self.catalogue = catalogue
        self.context = EventContext(correlation_id="unknown")

    async def __aenter__(self) -> UnitOfWork:
        self._open(self.sessions())
        return self

    def _open(self, session: AsyncSession) -> None:
        self.session = session
        self.cases = CaseRepository(session, self.catalogue)
        self.contacts = ContactRepository(session)

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
        added = await self.publish()
        await self.session.commit()
        if added:
            self.outbox.committed()

    async def publish(self) -> int:
        """Hand every new domain event to the outbox (in this transaction)."""
        aggregates: list[Case | Contact] = [*self.cases.seen, *self.contacts.seen]
        events = [to_contract(e) for a in aggregates for e in a.events]
        await self.outbox.add(self.session, events, self.context)
        for aggregate in aggregates:
            aggregate.events.clear()
        return len(events)


class SessionUnitOfWork(UnitOfWork):
    """A unit of work inside a transaction someone else owns (the idempotent consumer's).

    ``commit`` writes the outbox rows; the owner commits them with its dedupe records.
    """

    def __init__(self, session: AsyncSession, outbox: Outbox, catalogue: Catalogue):
        super().__init__(async_sessionmaker(), outbox, catalogue)
        self._open(session)

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        await self.publish()
        await self.session.flush()
