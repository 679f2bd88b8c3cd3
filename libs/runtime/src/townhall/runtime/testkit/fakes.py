"""Fakes of the unit of work's session and outbox, for handler tests with no database.

A service's fake unit of work subclasses its real one, opens fake repositories in
``open_repositories``, and is built with :func:`fake_sessions` and a
:class:`FakeOutbox`. Writes wait in the session until ``commit`` applies them, so a
handler that fails half way leaves nothing behind, as on a real database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.outbox import EventContext, Outbox
from townhall.schemas.envelope import Envelope
from townhall.schemas.events.base import DomainEvent


class FakeSession:
    """Stands in for an AsyncSession: holds writes until ``commit`` applies them."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []
        self.commits = 0

    def on_commit(self, write: Callable[[], None]) -> None:
        self.pending.append(write)

    async def commit(self) -> None:
        for write in self.pending:
            write()
        self.pending.clear()
        self.commits += 1

    async def rollback(self) -> None:
        self.pending.clear()

    async def flush(self) -> None:
        return None

    async def close(self) -> None:
        self.pending.clear()

    def in_transaction(self) -> bool:
        return bool(self.pending)


def fake_sessions() -> async_sessionmaker[AsyncSession]:
    """A session factory that makes :class:`FakeSession` objects (typed as the real one)."""
    return cast(async_sessionmaker[AsyncSession], FakeSession)


def fake_session_of(session: AsyncSession) -> FakeSession:
    if not isinstance(session, FakeSession):
        raise TypeError("a fake repository or outbox needs a FakeSession")
    return session


class FakeOutbox(Outbox):
    """An outbox that keeps committed envelopes in a list instead of a table."""

    def __init__(self, service: str, clock: Clock = utc_now):
        super().__init__(service, topic=f"{service}.events")
        self.clock = clock
        self.envelopes: list[Envelope] = []
        self._sequence = 0

    async def add(
        self, session: AsyncSession, events: Sequence[DomainEvent], context: EventContext
    ) -> list[Envelope]:
        now: datetime = self.clock()
        envelopes = []
        for event in events:
            self._sequence += 1
            envelopes.append(self._envelope(event, context, sequence=self._sequence, time=now))
        fake_session_of(session).on_commit(lambda: self.envelopes.extend(envelopes))
        return envelopes

    def types(self) -> list[str]:
        return [envelope.type for envelope in self.envelopes]
