"""The cases unit of work: the runtime's, with cases' repositories and event mapping.

Mapping events to contracts seals what people wrote about a resident under the
resident's data key (:mod:`townhall.cases.adapters.event_mapping`). The keys come from
identity before anything is written; when identity cannot give one
(:class:`~townhall.runtime.data_keys.DataKeyUnavailableError`) the commit fails and
nothing is stored: the API answers 503, a consumer retries. Never published in clear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.cases.adapters.event_mapping import needs_key, to_contract
from townhall.cases.adapters.evidence_repository import EvidenceRepository
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
from townhall.runtime.crypto import seal
from townhall.runtime.data_keys import DataKeys, resident_context
from townhall.runtime.messagebus import MessageBus
from townhall.runtime.outbox import Outbox
from townhall.schemas.events.base import DomainEvent as Contract

log = structlog.get_logger(__name__)


class UnitOfWork(unit_of_work.UnitOfWork):
    cases: CaseRepository
    contacts: ContactRepository
    erasures: ErasureRepository
    evidence: EvidenceRepository

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        catalogue: Catalogue,
        *,
        data_keys: DataKeys,
        clock: Clock = utc_now,
    ):
        super().__init__(sessions, outbox, clock=clock)
        self.catalogue = catalogue
        self.data_keys = data_keys

    def open_repositories(self, session: AsyncSession) -> None:
        self.cases = CaseRepository(session, self.catalogue)
        self.contacts = ContactRepository(session)
        self.erasures = ErasureRepository(session)
        self.evidence = EvidenceRepository(session)

    def aggregates(self) -> list[Case | Contact]:
        return [*self.cases.seen, *self.contacts.seen]

    async def to_contracts(self, events: Sequence[Any]) -> list[Contract]:
        """Each event as its contract, a resident's free text sealed under their key
        (fetched first: identity unavailable raises before anything is mapped)."""
        keys: dict[UUID, bytes | None] = {}
        for event in events:
            resident_id = needs_key(event)
            if resident_id is not None and resident_id not in keys:
                keys[resident_id] = await self.data_keys.get(resident_id)

        def sealer(resident_id: UUID, fields: Mapping[str, Any]) -> str | None:
            key = keys[resident_id]
            if key is None:  # erased (or unknown to identity): nothing to seal under
                log.info("resident_text_blanked", resident_id=str(resident_id), fields=list(fields))
                return None
            return seal(fields, key, context=resident_context(resident_id))

        return [to_contract(event, sealer) for event in events]


#: The cases service's bus: commands about cases and contacts, in a cases unit of work.
Bus = MessageBus[UnitOfWork]
