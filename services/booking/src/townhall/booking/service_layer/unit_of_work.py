"""The booking unit of work: the runtime's, with booking's repositories and events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.booking.adapters.event_mapping import to_contract
from townhall.booking.adapters.repository import (
    AppointmentRepository,
    CaseRepository,
    HoldRepository,
    PlaceRepository,
)
from townhall.booking.domain.model import Appointment, Hold
from townhall.runtime import unit_of_work
from townhall.runtime.messagebus import MessageBus
from townhall.schemas.events.base import DomainEvent as Contract


class UnitOfWork(unit_of_work.UnitOfWork):
    cases: CaseRepository
    places: PlaceRepository
    holds: HoldRepository
    appointments: AppointmentRepository

    def open_repositories(self, session: AsyncSession) -> None:
        self.cases = CaseRepository(session)
        self.places = PlaceRepository(session)
        self.holds = HoldRepository(session)
        self.appointments = AppointmentRepository(session)

    def aggregates(self) -> list[Hold | Appointment]:
        return [*self.holds.seen, *self.appointments.seen]

    async def to_contracts(self, events: Sequence[Any]) -> list[Contract]:
        return [to_contract(event) for event in events]


#: The booking service's bus: commands about holds and appointments.
Bus = MessageBus[UnitOfWork]
