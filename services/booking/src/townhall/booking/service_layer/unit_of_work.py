"""The booking unit of work: the runtime's, with booking's repositories and events."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
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
    #: Told, after a commit, the days on which places were taken or released (the
    #: availability kept for them is out of date: ``DayCache.invalidate``).
    places_changed: Callable[[Iterable[date]], None] | None = None

    async def commit(self) -> None:
        touched = set(self.places.touched)
        await super().commit()
        self.places.touched.clear()
        if touched and self.places_changed is not None:
            self.places_changed(touched)

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
