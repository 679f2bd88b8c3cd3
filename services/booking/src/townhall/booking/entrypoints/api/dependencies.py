"""FastAPI dependencies, as Annotated aliases (the only place Depends appears)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.booking.bootstrap import Booking
from townhall.booking.domain.commands import Actor
from townhall.booking.entrypoints.api.access_table import ACCESS
from townhall.booking.service_layer.handlers import Calendars
from townhall.booking.service_layer.unit_of_work import Bus as BookingBus
from townhall.runtime.auth import Principal
from townhall.runtime.outbox import EventContext
from townhall.runtime.web import Composition, event_context
from townhall.schemas.events.cases import CASE_REFERENCE_PATTERN

_composition = Composition(Booking)
install_services = _composition.install
services_of = _composition.of
ServicesDep = Annotated[Booking, Depends(_composition.dependency)]


async def _bus(services: ServicesDep) -> BookingBus:
    return services.bus


async def _session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """A session for the read side (views)."""
    async with services.runtime.sessions() as session:
        yield session


def actor_of(principal: Principal | None) -> Actor:
    """The domain's reading of a verified caller (None: nobody signed in)."""
    if principal is None:
        return Actor("anonymous", "anonymous")
    return Actor(principal.subject, principal.kind, principal.clearances_by_domain(), principal.loa)


def _acting(action: str) -> Callable[..., Awaitable[Actor]]:
    return ACCESS.acting(action, actor_of)


#: The ``{reference}`` path parameter: the case booked for (a tracking token's ``ref``).
CaseReference = Annotated[str, Path(pattern=CASE_REFERENCE_PATTERN, examples=["BW-2026-000123"])]
Bus = Annotated[BookingBus, Depends(_bus)]
Session = Annotated[AsyncSession, Depends(_session)]
Context = Annotated[EventContext, Depends(event_context)]


def _calendars(services: ServicesDep) -> Calendars:
    return services.calendars


#: The service types' calendars (what an appointment's cut-off is).
CalendarsDep = Annotated[Calendars, Depends(_calendars)]

ReadsAvailability = Annotated[Actor, Depends(_acting("availability.read"))]
ReadsAppointments = Annotated[Actor, Depends(_acting("appointment.read"))]
ListsOwnAppointments = Annotated[Actor, Depends(_acting("appointment.list_mine"))]
Holds = Annotated[Actor, Depends(_acting("hold.create"))]
Confirms = Annotated[Actor, Depends(_acting("appointment.confirm"))]
Cancels = Annotated[Actor, Depends(_acting("appointment.cancel"))]
Reschedules = Annotated[Actor, Depends(_acting("appointment.reschedule"))]
ReadsRunSheet = Annotated[Actor, Depends(_acting("runsheet.read"))]
RecordsVisit = Annotated[Actor, Depends(_acting("visit.record"))]
