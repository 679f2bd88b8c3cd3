"""One business transaction: state changes and their outbox rows commit together."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.adapters.codes import CodeRepository
from townhall.identity.adapters.data_keys import DataKeyStore
from townhall.identity.adapters.event_mapping import needs_key, to_contract
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.officer_repository import OfficerRepository
from townhall.identity.adapters.refresh_tokens import RefreshTokenRepository
from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.adapters.review_repository import ReviewRepository
from townhall.identity.domain.events import DomainEvent
from townhall.identity.domain.model import Resident
from townhall.identity.domain.officers import Officer
from townhall.runtime.crypto import seal
from townhall.runtime.outbox import EventContext, Outbox

#: Told, after each commit, which residents changed (keeps the matcher's index current).
ResidentsChanged = Callable[[Sequence[Resident]], None]


def _ignore(changed: Sequence[Resident]) -> None:
    return None


class UnitOfWork:
    residents: ResidentRepository
    officers: OfficerRepository
    data_keys: DataKeyStore
    codes: CodeRepository
    reviews: ReviewRepository
    refresh_tokens: RefreshTokenRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        master_keys: MasterKeys,
        residents_changed: ResidentsChanged = _ignore,
    ):
        self.sessions = sessions
        self.residents_changed = residents_changed
        self.outbox = outbox
        self.master_keys = master_keys
        self.context = EventContext(correlation_id="unknown")

    async def __aenter__(self) -> UnitOfWork:
        self.session = self.sessions()
        self.residents = ResidentRepository(self.session)
        self.officers = OfficerRepository(self.session)
        self.data_keys = DataKeyStore(self.session, self.master_keys)
        self.codes = CodeRepository(self.session)
        self.reviews = ReviewRepository(self.session)
        self.refresh_tokens = RefreshTokenRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.session.rollback()
        await self.session.close()

    def _aggregates(self) -> list[Resident | Officer]:
        return [*self.residents.seen, *self.officers.seen]

    def _new_events(self) -> list[DomainEvent]:
        return [event for aggregate in self._aggregates() for event in aggregate.events]

    async def commit(self) -> None:
        """Seal and write the new events to the outbox in this transaction, then commit;
        then tell ``residents_changed`` which residents changed."""
        new = self._new_events()
        keys: dict[UUID, bytes] = {}
        for event in new:
            resident_id = needs_key(event)
            if resident_id is not None and resident_id not in keys:
                keys[resident_id] = await self.data_keys.get_or_create(resident_id)

        def sealer(resident_id: UUID, fields: Mapping[str, Any]) -> str:
            return seal(fields, keys[resident_id], context=f"resident/{resident_id}")

        contracts = [to_contract(e, sealer) for e in new]
        await self.outbox.add(self.session, contracts, self.context)
        await self.session.commit()
        changed = [r for r in self.residents.seen if r.events]
        for aggregate in self._aggregates():
            aggregate.events.clear()
        if changed:
            self.residents_changed(changed)
        if contracts:
            self.outbox.committed()
