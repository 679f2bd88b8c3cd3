"""Read-side SQL: availability for a case, a case's appointments, a day's run sheet."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import RowMapping, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.booking.adapters.orm import appointments, booking_cases
from townhall.booking.adapters.repository import live_counts
from townhall.booking.domain.calendar import LONDON, Calendar, local
from townhall.booking.domain.model import (
    CaseContext,
    day_pool,
    property_of,
    property_pool,
    slot_pool,
)
from townhall.booking.service_layer.permissions import SENSITIVITIES


@dataclass(frozen=True)
class FreeSlot:
    resource: str
    resource_name: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    places_left: int


async def availability(
    session: AsyncSession,
    calendar: Calendar,
    case: CaseContext,
    postcode: str,
    now: datetime,
    uprn: str | None = None,
    days: int | None = None,
) -> list[FreeSlot]:
    """The free slots in the window (its first ``days`` days only, if given) for the
    case's property: the calendar's offers less what appointments and live holds take,
    in the same pools a booking would take."""
    first, last = calendar.rules.window(now)
    if days is not None:
        last = min(last, first + timedelta(days=days - 1))
    offers = list(itertools.takewhile(lambda o: o.day <= last, calendar.offers(postcode, now)))
    if not offers:
        return []
    property_key = property_of(case, uprn)
    offered_days = sorted({offer.day for offer in offers})
    service = case.service_code
    property_pools = {day: property_pool(service, property_key, day) for day in offered_days}
    resources = sorted({offer.resource.code for offer in offers})
    taken = await live_counts(session, resources, first, last, list(property_pools.values()), now)
    busy = _busy_days(taken)
    free: list[FreeSlot] = []
    for offer in offers:
        resource = offer.resource
        if taken.get(property_pools[offer.day]):
            continue  # the property has a booking for this service that day
        left = (
            resource.capacity
            if resource.day_cap is None
            else min(resource.capacity, resource.day_cap)
        )
        if (resource.code, offer.day) in busy:  # only then is anything taken to count
            left -= taken.get(slot_pool(resource.code, offer.starts_at), 0)
            if resource.day_cap is not None:
                used = taken.get(day_pool(resource.code, offer.day), 0)
                left = min(left, resource.day_cap - used)
        if left > 0:
            free.append(
                FreeSlot(
                    resource.code,
                    resource.name,
                    resource.kind,
                    offer.starts_at,
                    offer.ends_at,
                    left,
                )
            )
    free.sort(key=lambda slot: (slot.starts_at, slot.resource))
    return free


def _busy_days(taken: dict[str, int]) -> set[tuple[str, date]]:
    """The (resource, local day) pairs with any place taken, from the pools' keys."""
    busy = set()
    for key in taken:
        kind, resource, rest = key.split("/", 2)
        if kind == "slot":
            busy.add((resource, local(datetime.fromisoformat(rest)).date()))
        elif kind == "day":
            busy.add((resource, date.fromisoformat(rest)))
    return busy


@dataclass(frozen=True)
class AppointmentRow:
    id: str
    case_reference: str
    service_code: str
    resource: str
    starts_at: datetime
    ends_at: datetime
    status: str
    outcome: str | None
    replaces: str | None
    replaced_by: str | None


def _row(m: RowMapping) -> AppointmentRow:
    get = m.__getitem__
    optional = [get("replaces"), get("replaced_by")]
    return AppointmentRow(
        id=str(get("id")),
        case_reference=get("case_reference"),
        service_code=get("service_code"),
        resource=get("resource"),
        starts_at=get("starts_at"),
        ends_at=get("ends_at"),
        status=get("status"),
        outcome=get("outcome"),
        replaces=None if optional[0] is None else str(optional[0]),
        replaced_by=None if optional[1] is None else str(optional[1]),
    )


_JOINED = select(appointments, booking_cases.c.service_code).join(
    booking_cases, booking_cases.c.reference == appointments.c.case_reference
)


async def appointments_of_case(session: AsyncSession, reference: str) -> list[AppointmentRow]:
    query = _JOINED.where(appointments.c.case_reference == reference).order_by(
        appointments.c.created_at
    )
    return [_row(r._mapping) for r in (await session.execute(query)).all()]


async def run_sheet(
    session: AsyncSession, resource: str, day: date, domains: dict[str, tuple[str, ...]]
) -> list[AppointmentRow]:
    """A resource's booked visits on ``day`` (local), in order, limited inside the query
    to the service areas ``domains`` lets the officer see (domain → clearances)."""
    allowed = []
    for domain, clearances in domains.items():
        top = max((SENSITIVITIES.index(c) for c in clearances if c in SENSITIVITIES), default=-1)
        if top >= 0:
            levels = list(SENSITIVITIES[: top + 1])
            allowed.append(
                and_(booking_cases.c.domain == domain, booking_cases.c.sensitivity.in_(levels))
            )
    if not allowed:
        return []
    start = datetime.combine(day, datetime.min.time(), LONDON)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), LONDON)
    query = _JOINED.where(
        appointments.c.resource == resource,
        appointments.c.starts_at >= start,
        appointments.c.starts_at < end,
        appointments.c.status.in_(["confirmed", "visited"]),
        or_(*allowed),
    ).order_by(appointments.c.starts_at, appointments.c.created_at)
    return [_row(r._mapping) for r in (await session.execute(query)).all()]
