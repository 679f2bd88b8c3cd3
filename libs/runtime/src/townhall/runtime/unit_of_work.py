"""One business transaction: state changes and the outbox rows of their events commit
together.

A service subclasses :class:`UnitOfWork` and adds only what is its own: the
repositories it opens on the session and how its domain events become contracts. The
base owns the session, the outbox and the order of a commit:

1. collect the new events of every aggregate the repositories handed out,
2. map them to contracts and write them as outbox rows, in this transaction,
3. commit, then tell the outbox (so an in-process relay wakes) and the subclass.

A unit of work either opens its own transaction (``async with uow:``) or joins one that
someone else owns (:meth:`UnitOfWork.joining`, the idempotent consumer's): then
``commit`` writes the outbox rows and flushes, and the owner commits them together with
its dedupe records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.outbox import EventContext, Outbox
from townhall.schemas.events.base import DomainEvent as Contract


class Aggregate(Protocol):
    """Anything that records domain events for the unit of work to collect."""

    events: list[Any]


class UnitOfWork:
    """The generic unit of work; see the module docstring."""

    session: AsyncSession

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        *,
        clock: Clock = utc_now,
    ):
        self.sessions = sessions
        self.outbox = outbox
        self.clock = clock
        self.context = EventContext(correlation_id="unknown")
        #: The events this unit of work wrote to the outbox, in order, since it opened.
        self.collected: list[Any] = []
        self._owned = True

    def joining(self, session: AsyncSession) -> Self:
        """Work inside ``session``'s transaction, which its owner commits."""
        self._owned = False
        self._open(session)
        return self

    async def __aenter__(self) -> Self:
        if self._owned:
            self._open(self.sessions())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owned:
            await self.rollback()
            await self.session.close()

    def _open(self, session: AsyncSession) -> None:
        self.session = session
        self.collected = []
        self.open_repositories(session)

    # What a service's unit of work adds.
    def open_repositories(self, session: AsyncSession) -> None:
        """Open the service's repositories on ``session``."""

    def aggregates(self) -> Iterable[Aggregate]:
        """Every aggregate the repositories handed out in this unit of work."""
        return ()

    async def to_contracts(self, events: Sequence[Any]) -> list[Contract]:
        """Map new domain events to the contracts the outbox publishes."""
        raise NotImplementedError(f"{type(self).__name__} maps no domain events")

    def committed(self, changed: Sequence[Aggregate]) -> None:
        """Called after a commit with the aggregates that had new events."""

    # The order of a commit.
    async def write_events_to_outbox(self) -> int:
        """Write every new domain event as an outbox row in this transaction; clear them.

        Nothing is published here: the relay publishes rows after the commit.
        """
        return len(await self._write_events())

    async def _write_events(self) -> list[Aggregate]:
        changed = [a for a in self.aggregates() if a.events]
        events = [event for aggregate in changed for event in aggregate.events]
        if events:
            await self.outbox.add(self.session, await self.to_contracts(events), self.context)
        for aggregate in changed:
            aggregate.events.clear()
        self.collected.extend(events)
        return changed

    async def commit(self) -> None:
        """Write the outbox rows and commit (or flush, inside a transaction it joined)."""
        changed = await self._write_events()
        if not self._owned:
            await self.session.flush()
            return
        await self.session.commit()
        if changed:
            self.committed(changed)
            self.outbox.committed()

    async def rollback(self) -> None:
        await self.session.rollback()
