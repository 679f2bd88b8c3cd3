"""Read-side SQL: availability for a case, a case's appointments, a day's run sheet."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import RowMapping, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.booking.adapters.day_cache import Day, DayCache, SlotLeft
from townhall.booking.adapters.orm import appointments, booking_cases
from townhall.booking.adapters.repository import day_counts, live_counts
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
    kept: DayCache | None = None,
) -> list[FreeSlot]:
    """The free slots in the window (its first ``days`` days only, if given) for the
    case's property: the calendar's offers less what appointments and live holds take,
    in the same pools a booking would take. With ``kept``, each day's count is read
    from it where it is still true (:mod:`townhall.booking.adapters.day_cache`)."""
    first, last = calendar.rules.window(now)
    if days is not None:
        last = min(last, first + timedelta(days=days - 1))
    if kept is not None and kept.enabled:
        return await _from_kept_days(session, calendar, case, postcode, now, uprn, last, kept)
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


async def _from_kept_days(
    session: AsyncSession,
    calendar: Calendar,
    case: CaseContext,
    postcode: str,
    now: datetime,
    uprn: str | None,
    last: date,
    kept: DayCache,
) -> list[FreeSlot]:
    """The same answer as counting afresh: the window's open days from the cache (those
    missing counted in one query, and kept), less what the postcode, the notice and the
    property's own bookings rule out."""
    open_days = [d for d in _window_days(calendar, now, last) if d not in calendar.bank_holidays]
    if not open_days:
        return []
    found: dict[date, Day] = {}
    for d in open_days:
        if (day := kept.get(calendar.service_type, d, now)) is not None:
            found[d] = day
    missing = [d for d in open_days if d not in found]
    if missing:
        found.update(await _count_days(session, calendar, missing, now, kept))
    property_key = property_of(case, uprn)
    property_pools = {property_pool(case.service_code, property_key, d): d for d in open_days}
    booked = await live_counts(session, [], open_days[0], last, list(property_pools), now)
    booked_days = {property_pools[pool] for pool in booked}
    serving = {r.code: r for r in calendar.serving(postcode)}
    earliest = now + calendar.rules.minimum_notice
    free = [
        FreeSlot(s.resource, r.name, r.kind, s.starts_at, s.ends_at, s.left)
        for d in open_days
        if d not in booked_days
        for s in found[d].slots
        if (r := serving.get(s.resource)) is not None and s.starts_at >= earliest
        if s.starts_at > now
    ]
    free.sort(key=lambda slot: (slot.starts_at, slot.resource))
    return free


def _window_days(calendar: Calendar, now: datetime, last: date) -> list[date]:
    """The window's days whose cut-off has not passed, to ``last``."""
    first, _ = calendar.rules.window(now)
    days = []
    day = first
    while day <= last:
        closes = calendar.rules.closes(day)
        if closes is None or now < closes:
            days.append(day)
        day += timedelta(days=1)
    return days


async def _count_days(
    session: AsyncSession, calendar: Calendar, wanted: list[date], now: datetime, kept: DayCache
) -> dict[date, Day]:
    generations = {d: kept.generation(d) for d in wanted}
    codes = [r.code for r in calendar.resources]
    taken, expiries = await day_counts(session, codes, min(wanted), max(wanted), now)
    counted = {}
    for d in wanted:
        slots = []
        for resource in calendar.resources:
            places = resource.capacity
            if resource.day_cap is not None:
                places = min(places, resource.day_cap)
            for starts_at, ends_at in resource.slots_on(d):
                left = places - taken.get(slot_pool(resource.code, starts_at), 0)
                if resource.day_cap is not None:  # the round's day, as counted afresh
                    left = min(left, resource.day_cap - taken.get(day_pool(resource.code, d), 0))
                if left > 0:
                    slots.append(SlotLeft(resource.code, starts_at, ends_at, left))
        counted[d] = Day(tuple(slots), computed_at=now, valid_until=expiries.get(d))
        kept.put(calendar.service_type, d, counted[d], generations[d])
    return counted


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


async def own_appointments(
    session: AsyncSession, resident_id: uuid.UUID, limit: int
) -> list[AppointmentRow]:
    """A resident's appointments of every request of theirs, newest first."""
    query = (
        _JOINED.where(booking_cases.c.resident_id == resident_id)
        .order_by(appointments.c.created_at.desc())
        .limit(limit)
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
