"""All of booking's SQL for the write side: cases it knows, places, holds, appointments.

:class:`PlaceRepository` is the double-booking guard. Taking a place inserts a row keyed
(pool, place number) in the caller's transaction; a second transaction that chose the
same place fails on that key however the two interleave (PostgreSQL makes it wait for the
first to commit, then refuses it; SQLite runs writers one at a time), and the handler
tries again with what is now taken. A hold's places carry its expiry: a writer deletes a
pool's expired rows before counting it, so an expired hold is released without any job.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, and_, delete, func, or_, select, update
from sqlalchemy.engine import CursorResult, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.booking.adapters.orm import appointments, booking_cases, holds, places, reminders
from townhall.booking.domain.exceptions import ConcurrentUpdateError, SlotTakenError
from townhall.booking.domain.model import Appointment, CaseContext, Hold, Pool
from townhall.runtime.db import dialect_insert

FULL = {
    "slot": "that slot is fully booked",
    "day": "that round is full for the day",
    "property": "this property already has a booking for that service on that day",
}


class PlaceRaceError(SlotTakenError):
    """Another booking took the place chosen while this one was writing: try again."""


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _live(now: datetime) -> Any:
    return or_(places.c.expires_at.is_(None), places.c.expires_at > now)


class CaseRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def put(self, case: CaseContext) -> None:
        """Remember a case (again: the same event twice changes nothing)."""
        values = {
            "reference": case.reference,
            "case_id": case.case_id,
            "service_code": case.service_code,
            "domain": case.domain,
            "sensitivity": case.sensitivity,
            "resident_id": case.resident_id,
            "postcode": case.postcode,
            "uprn": case.uprn,
            "postcode_sector": case.postcode_sector,
        }
        statement = dialect_insert(self.session, booking_cases).values(**values)
        kept = {  # what a hold gave is not lost when the event comes again
            name: func.coalesce(booking_cases.c[name], statement.excluded[name])
            for name in ("postcode", "uprn")
        }
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["reference"],
                set_={k: v for k, v in values.items() if k != "reference"} | kept,
            )
        )

    async def get(self, reference: str) -> CaseContext | None:
        row = (
            await self.session.execute(
                select(booking_cases).where(booking_cases.c.reference == reference)
            )
        ).first()
        return None if row is None else case_of(row)

    async def blank_resident(self, resident_id: uuid.UUID) -> int:
        """Forget where an erased resident's cases are: their postcode, sector and UPRN, on the
        cases, holds and appointments and in the property pools' keys. Their bookings
        stay (the council still visits); one per property per day is no longer checked
        for them."""
        references = select(booking_cases.c.reference).where(
            booking_cases.c.resident_id == resident_id
        )
        holders = [
            select(table.c.id).where(table.c.case_reference.in_(references))
            for table in (holds, appointments)
        ]
        for table in (holds, appointments):
            await self.session.execute(
                update(table)
                .where(table.c.case_reference.in_(references))
                .values(property_key="erased")
            )
        for holders_of in holders:
            await self.session.execute(
                update(places)
                .where(places.c.kind == "property", places.c.holder_id.in_(holders_of))
                .values(pool="property/erased/" + func.cast(places.c.holder_id, String))
            )
        result = await self.session.execute(
            update(booking_cases)
            .where(booking_cases.c.resident_id == resident_id)
            .values(postcode=None, uprn=None, postcode_sector=None)
        )
        return _rowcount(result)


def case_of(row: Row[Any]) -> CaseContext:
    m = row._mapping
    return CaseContext(
        reference=m["reference"],
        case_id=m["case_id"],
        service_code=m["service_code"],
        domain=m["domain"],
        sensitivity=m["sensitivity"],
        resident_id=m["resident_id"],
        postcode=m["postcode"],
        uprn=m["uprn"],
        postcode_sector=m["postcode_sector"],
    )


class PlaceRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        #: The days on which places were taken or released in this transaction (what
        #: availability kept for them is out of date once it commits).
        self.touched: set[date] = set()

    async def take(
        self,
        pools: Sequence[Pool],
        holder_id: uuid.UUID,
        expires_at: datetime | None,
        now: datetime,
    ) -> None:
        """Take one place in each pool for ``holder_id``, or raise :class:`SlotTakenError`."""
        for pool in pools:
            await self.session.execute(
                delete(places).where(places.c.pool == pool.key, places.c.expires_at <= now)
            )
            taken = set(
                (
                    await self.session.execute(
                        select(places.c.place).where(places.c.pool == pool.key)
                    )
                ).scalars()
            )
            free = next((n for n in range(pool.capacity) if n not in taken), None)
            if free is None:
                raise SlotTakenError(FULL[pool.kind])
            row = {
                "pool": pool.key,
                "place": free,
                "kind": pool.kind,
                "resource": pool.resource,
                "day": pool.day,
                "holder_id": holder_id,
                "expires_at": expires_at,
            }
            try:
                await self.session.execute(places.insert().values(**row))
            except IntegrityError:
                raise PlaceRaceError(FULL[pool.kind]) from None
            self.touched.add(pool.day)

    async def convert(self, holder_id: uuid.UUID, new_holder: uuid.UUID, now: datetime) -> int:
        """A live hold's places become an appointment's (no expiry); how many moved."""
        result = await self.session.execute(
            update(places)
            .where(places.c.holder_id == holder_id, places.c.expires_at > now)
            .values(holder_id=new_holder, expires_at=None)
        )
        return _rowcount(result)

    async def release(self, holder_id: uuid.UUID) -> int:
        query = delete(places).where(places.c.holder_id == holder_id).returning(places.c.day)
        days = list((await self.session.execute(query)).scalars())
        self.touched.update(days)
        return len(days)

    async def sweep(self, now: datetime) -> int:
        """Delete expired holds' places (reads and writers ignore them already)."""
        result = await self.session.execute(delete(places).where(places.c.expires_at <= now))
        return _rowcount(result)


async def day_counts(
    session: AsyncSession, resources: Sequence[str], first: date, last: date, now: datetime
) -> tuple[dict[str, int], dict[date, datetime]]:
    """Places taken (appointments and live holds) per pool of ``resources`` on the days
    from ``first`` to ``last``, and per day the earliest expiry of a live hold counted."""
    query = (
        select(places.c.pool, places.c.day, func.count(), func.min(places.c.expires_at))
        .where(
            places.c.resource.in_(list(resources)),
            places.c.day.between(first, last),
            _live(now),
        )
        .group_by(places.c.pool, places.c.day)
    )
    counts: dict[str, int] = {}
    expiries: dict[date, datetime] = {}
    for pool, day, count, expires in (await session.execute(query)).all():
        counts[pool] = int(count)
        if expires is not None:
            expiries[day] = min(expires, expiries.get(day, expires))
    return counts, expiries


def hold_of(row: Row[Any], case: CaseContext) -> Hold:
    m = row._mapping
    return Hold(
        id=m["id"],
        case=case,
        resource=m["resource"],
        starts_at=m["starts_at"],
        ends_at=m["ends_at"],
        property_key=m["property_key"],
        expires_at=m["expires_at"],
        held_by=m["held_by"],
    )


class HoldRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.seen: list[Hold] = []

    async def add(self, hold: Hold, pools: int, now: datetime) -> None:
        await self.session.execute(
            holds.insert().values(
                id=hold.id,
                case_reference=hold.case.reference,
                resource=hold.resource,
                starts_at=hold.starts_at,
                ends_at=hold.ends_at,
                property_key=hold.property_key,
                pools=pools,
                expires_at=hold.expires_at,
                held_by=hold.held_by,
                created_at=now,
            )
        )
        self.seen.append(hold)

    async def get(self, hold_id: uuid.UUID, case: CaseContext) -> tuple[Hold, int] | None:
        row = (
            await self.session.execute(
                select(holds).where(holds.c.id == hold_id, holds.c.case_reference == case.reference)
            )
        ).first()
        return None if row is None else (hold_of(row, case), int(row._mapping["pools"]))

    async def live_of_case(self, reference: str, now: datetime) -> list[uuid.UUID]:
        query = select(holds.c.id).where(
            holds.c.case_reference == reference, holds.c.expires_at > now
        )
        return list((await self.session.execute(query)).scalars())


_APPOINTMENT_COLUMNS = (
    "id",
    "hold_id",
    "replaces",
    "replaced_by",
    "resource",
    "starts_at",
    "ends_at",
    "property_key",
    "status",
    "outcome",
    "booked_by",
    "created_at",
    "version",
)


def appointment_of(row: Row[Any], case: CaseContext) -> Appointment:
    m = row._mapping
    return Appointment(case=case, **{name: m[name] for name in _APPOINTMENT_COLUMNS})


class AppointmentRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.seen: list[Appointment] = []

    def _values(self, appointment: Appointment) -> dict[str, Any]:
        values = {name: getattr(appointment, name) for name in _APPOINTMENT_COLUMNS}
        return {**values, "case_reference": appointment.case.reference, "day": appointment.day}

    async def add(self, appointment: Appointment) -> None:
        appointment.version = 1
        await self.session.execute(appointments.insert().values(**self._values(appointment)))
        self.seen.append(appointment)

    async def save(self, appointment: Appointment) -> None:
        """Write a changed appointment; refused if someone changed it since it was read."""
        values = self._values(appointment)
        values["version"] = appointment.version + 1
        result = await self.session.execute(
            update(appointments)
            .where(appointments.c.id == appointment.id)
            .where(appointments.c.version == appointment.version)
            .values(**values)
        )
        if _rowcount(result) != 1:
            raise ConcurrentUpdateError(f"appointment {appointment.id}")
        appointment.version += 1
        if appointment not in self.seen:
            self.seen.append(appointment)

    async def _one(self, *where: Any) -> Appointment | None:
        query = (
            select(appointments, booking_cases)
            .join(booking_cases, booking_cases.c.reference == appointments.c.case_reference)
            .where(*where)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else appointment_of(row, case_of(row))

    async def get(self, appointment_id: uuid.UUID) -> Appointment | None:
        return await self._one(appointments.c.id == appointment_id)

    async def by_hold(self, hold_id: uuid.UUID) -> Appointment | None:
        return await self._one(appointments.c.hold_id == hold_id)

    async def confirmed_of_case(self, reference: str) -> list[uuid.UUID]:
        query = select(appointments.c.id).where(
            appointments.c.case_reference == reference, appointments.c.status == "confirmed"
        )
        return list((await self.session.execute(query)).scalars())

    async def starting_between(
        self, after: datetime, until: datetime, limit: int
    ) -> list[tuple[Appointment, set[int]]]:
        """Confirmed appointments starting in (after, until], with the reminders already due."""
        query = (
            select(appointments, booking_cases)
            .join(booking_cases, booking_cases.c.reference == appointments.c.case_reference)
            .where(
                appointments.c.status == "confirmed",
                appointments.c.starts_at > after,
                appointments.c.starts_at <= until,
            )
            .order_by(appointments.c.starts_at)
            .limit(limit)
        )
        found = [appointment_of(r, case_of(r)) for r in (await self.session.execute(query)).all()]
        sent = await self._reminders_of([a.id for a in found])
        return [(a, sent.get(a.id, set())) for a in found]

    async def _reminders_of(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, set[int]]:
        wanted = list(ids)
        if not wanted:
            return {}
        query = select(reminders.c.appointment_id, reminders.c.days_before).where(
            reminders.c.appointment_id.in_(wanted)
        )
        found: dict[uuid.UUID, set[int]] = {}
        for appointment_id, days in (await self.session.execute(query)).all():
            found.setdefault(appointment_id, set()).add(days)
        return found

    async def record_reminder(
        self, appointment: Appointment, days_before: int, due_at: datetime
    ) -> None:
        await self.session.execute(
            reminders.insert().values(
                appointment_id=appointment.id, days_before=days_before, due_at=due_at
            )
        )
        if appointment not in self.seen:
            self.seen.append(appointment)


async def live_counts(
    session: AsyncSession,
    resources: Sequence[str],
    first: date,
    last: date,
    extra_pools: Sequence[str],
    now: datetime,
) -> dict[str, int]:
    """Places taken (appointments and live holds) per pool: the resources' pools on the
    days from ``first`` to ``last``, and ``extra_pools`` (a property's days)."""
    in_days = and_(places.c.resource.in_(list(resources)), places.c.day.between(first, last))
    scope = or_(in_days, places.c.pool.in_(list(extra_pools))) if extra_pools else in_days
    query = select(places.c.pool, func.count()).where(scope, _live(now)).group_by(places.c.pool)
    return {pool: int(count) for pool, count in (await session.execute(query)).all()}
