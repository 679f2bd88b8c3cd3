"""Identity's unit of work: the runtime's, with identity's repositories and sealing.

The runtime's :class:`~townhall.runtime.unit_of_work.UnitOfWork` owns the session, the
outbox and the order of a commit. Identity adds its repositories, seals each event's
personal data under its resident's data key on the way to the outbox, and tells the
matcher which residents changed once the commit is done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.adapters.codes import CodeRepository
from townhall.identity.adapters.data_keys import DataKeyStore
from townhall.identity.adapters.erasure_suppressions import ContactHasher, SuppressionRepository
from townhall.identity.adapters.event_mapping import needs_key, to_contract
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.officer_repository import OfficerRepository
from townhall.identity.adapters.refresh_tokens import RefreshTokenRepository
from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.adapters.review_repository import ReviewRepository
from townhall.identity.adapters.service_clients import ServiceClientRepository
from townhall.identity.domain.model import Resident
from townhall.identity.domain.officers import Officer
from townhall.runtime import unit_of_work
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.crypto import seal
from townhall.runtime.outbox import Outbox
from townhall.schemas.events.base import DomainEvent as Contract

#: Told, after each commit, which residents changed (keeps the matcher's index current).
ResidentsChanged = Callable[[Sequence[Resident]], None]


def _ignore(changed: Sequence[Resident]) -> None:
    return None


class UnitOfWork(unit_of_work.UnitOfWork):
    residents: ResidentRepository
    officers: OfficerRepository
    data_keys: DataKeyStore
    codes: CodeRepository
    reviews: ReviewRepository
    refresh_tokens: RefreshTokenRepository
    service_clients: ServiceClientRepository
    suppressions: SuppressionRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        master_keys: MasterKeys,
        *,
        clock: Clock = utc_now,
        residents_changed: ResidentsChanged = _ignore,
    ):
        super().__init__(sessions, outbox, clock=clock)
        self.master_keys = master_keys
        self.contact_hasher = ContactHasher(master_keys)
        self.residents_changed = residents_changed

    def open_repositories(self, session: AsyncSession) -> None:
        self.residents = ResidentRepository(session)
        self.officers = OfficerRepository(session)
        self.data_keys = DataKeyStore(session, self.master_keys, clock=self.clock)
        self.codes = CodeRepository(session)
        self.reviews = ReviewRepository(session, clock=self.clock)
        self.refresh_tokens = RefreshTokenRepository(session)
        self.service_clients = ServiceClientRepository(session)
        self.suppressions = SuppressionRepository(session, self.contact_hasher)

    def aggregates(self) -> list[Resident | Officer]:
        return [*self.residents.seen, *self.officers.seen]

    async def to_contracts(self, events: Sequence[Any]) -> list[Contract]:
        """Each event as its contract, personal data sealed under its resident's key
        (created here, in this transaction, for a resident who has none yet)."""
        keys: dict[UUID, bytes] = {}
        for event in events:
            resident_id = needs_key(event)
            if resident_id is not None and resident_id not in keys:
                keys[resident_id] = await self.data_keys.get_or_create(resident_id)

        def sealer(resident_id: UUID, fields: Mapping[str, Any]) -> str:
            return seal(fields, keys[resident_id], context=f"resident/{resident_id}")

        return [to_contract(event, sealer) for event in events]

    def committed(self, changed: Sequence[unit_of_work.Aggregate]) -> None:
        residents = [a for a in changed if isinstance(a, Resident)]
        if residents:
            self.residents_changed(residents)
