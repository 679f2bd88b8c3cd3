"""The cases unit of work: the runtime's, with cases' repositories and event mapping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.cases.adapters.event_mapping import to_contract
from townhall.cases.adapters.repository import (
    CaseRepository,
    ContactRepository,
    ErasureRepository,
)
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.contacts import Contact
from townhall.cases.domain.model import Case
from townhall.runtime import unit_of_work
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.messagebus import MessageBus
from townhall.runtime.outbox import Outbox
from townhall.schemas.events.base import DomainEvent as Contract


class UnitOfWork(unit_of_work.UnitOfWork):
    cases: CaseRepository
    contacts: ContactRepository
    erasures: ErasureRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        catalogue: Catalogue,
        *,
        clock: Clock = utc_now,
    ):
        super().__init__(sessions, outbox, clock=clock)
        self.catalogue = catalogue

    def open_repositories(self, session: AsyncSession) -> None:
        self.cases = CaseRepository(session, self.catalogue)
        self.contacts = ContactRepository(session)
        self.erasures = ErasureRepository(session)

    def aggregates(self) -> list[Case | Contact]:
        return [*self.cases.seen, *self.contacts.seen]

    async def to_contracts(self, events: Sequence[Any]) -> list[Contract]:
        return [to_contract(event) for event in events]


#: The cases service's bus: commands about cases and contacts, in a cases unit of work.
Bus = MessageBus[UnitOfWork]
