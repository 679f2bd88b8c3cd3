"""The composition root: everything the booking service runs is built here, once.

Every adapter is a keyword argument with a production default, so a test passes its
own (a clock, calendars, a unit of work) instead of patching an import path. A bad
calendar file stops it here, naming the file and the field.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from townhall.booking.adapters.calendar_files import BUNDLED, load_calendars
from townhall.booking.adapters.day_cache import DayCache
from townhall.booking.config import BookingSettings
from townhall.booking.domain import commands
from townhall.booking.entrypoints.consumer import Reactions
from townhall.booking.service_layer import handlers, timers
from townhall.booking.service_layer.handlers import Calendars
from townhall.booking.service_layer.unit_of_work import Bus, UnitOfWork
from townhall.runtime.background import Periodic
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.outbox import EventContext
from townhall.runtime.service import ServiceRuntime

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

COMMANDS: dict[type, Callable[..., Awaitable[Any]]] = {
    commands.RecordCase: handlers.record_case,
    commands.ForgetResident: handlers.forget_resident,
    commands.HoldSlot: handlers.hold_slot,
    commands.ConfirmHold: handlers.confirm_hold,
    commands.CancelAppointment: handlers.cancel_appointment,
    commands.RescheduleAppointment: handlers.reschedule_appointment,
    commands.RecordVisit: handlers.record_visit,
    commands.SendDueReminders: timers.send_due_reminders,
    commands.SweepExpiredHolds: timers.sweep_expired_holds,
}


@dataclass
class Timers:
    """Reminders falling due and expired holds swept, every ``interval_s``."""

    bus: Bus
    interval_s: float
    _periodic: Periodic = field(init=False)

    def __post_init__(self) -> None:
        self._periodic = Periodic("booking-timers", self.interval_s, self.run_once)

    async def run_once(self) -> int:
        context = EventContext(correlation_id="booking-timers")
        sent = int(await self.bus.handle(commands.SendDueReminders(), context))
        await self.bus.handle(commands.SweepExpiredHolds(), context)
        return sent

    async def start(self) -> None:
        await self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()


@dataclass(frozen=True)
class Booking:
    """What one booking process runs; the API reads it through typed dependencies."""

    settings: BookingSettings
    calendars: Calendars
    runtime: ServiceRuntime
    bus: Bus
    timers: Timers
    clock: Clock
    #: What is left of each day's slots, between availability reads.
    days: DayCache = field(default_factory=lambda: DayCache(timedelta(0)))

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        await self.timers.start()
        try:
            yield
        finally:
            await self.timers.stop()


def calendars_for(settings: BookingSettings, clock: Clock) -> Calendars:
    """The calendar files, with bank holidays from last year to three years ahead."""
    year = clock().year
    return load_calendars(
        settings.calendar_dir or BUNDLED,
        years=range(year - 1, year + 4),
        hold_minutes=settings.hold_minutes,
        subdivision=settings.bank_holidays,
    )


def bootstrap(
    settings: BookingSettings | None = None,
    *,
    calendars: Calendars | None = None,
    uow: Callable[[], UnitOfWork] | None = None,
    clock: Clock = utc_now,
) -> Booking:
    settings = settings or BookingSettings()
    calendars = calendars if calendars is not None else calendars_for(settings, clock)
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS)
    outbox = runtime.outbox
    assert outbox is not None

    days = DayCache(timedelta(seconds=settings.availability_cache_s))

    def unit_of_work() -> UnitOfWork:
        return UnitOfWork(runtime.sessions, outbox, clock=clock)

    def reporting_places() -> UnitOfWork:
        made = (uow or unit_of_work)()
        made.places_changed = days.invalidate
        return made

    bus = Bus(
        reporting_places,
        commands=COMMANDS,
        dependencies={"clock": clock, "calendars": calendars},
    )
    if settings.consumers_enabled:
        runtime.add(runtime.make_consumer(Reactions(bus).spec()))
    timers = Timers(bus, settings.timer_interval_s)
    return Booking(settings, calendars, runtime, bus, timers, clock, days)
