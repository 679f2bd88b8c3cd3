"""The payments unit of work: the runtime's, with payments' repositories and contracts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.payments.adapters.event_mapping import to_contract
from townhall.payments.adapters.repository import CaseFeeRepository, PaymentRepository
from townhall.payments.domain.model import Payment
from townhall.runtime import unit_of_work
from townhall.runtime.messagebus import MessageBus
from townhall.schemas.events.base import DomainEvent as Contract


class UnitOfWork(unit_of_work.UnitOfWork):
    payments: PaymentRepository
    fees: CaseFeeRepository

    def open_repositories(self, session: AsyncSession) -> None:
        self.payments = PaymentRepository(session)
        self.fees = CaseFeeRepository(session)

    def aggregates(self) -> list[Payment]:
        return list(self.payments.seen)

    async def to_contracts(self, events: Sequence[Any]) -> list[Contract]:
        return [to_contract(event) for event in events]


#: The payments service's bus.
Bus = MessageBus[UnitOfWork]
