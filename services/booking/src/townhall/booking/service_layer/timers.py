"""What happens because time passes: reminders fall due, expired holds are swept.

Neither is needed for correctness of bookings (an expired hold is free to every reader
and writer already); the sweep only keeps the places table small.
"""

from __future__ import annotations

from datetime import timedelta

from townhall.booking.domain import commands
from townhall.booking.service_layer.handlers import Calendars
from townhall.booking.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.clock import Clock

#: A reminder found later than this after it fell due is recorded but not sent (the
#: next, nearer one will be): nobody wants "in 3 days" on the eve of a visit.
LATE = timedelta(days=1)


async def send_due_reminders(
    cmd: commands.SendDueReminders, uow: UnitOfWork, *, clock: Clock, calendars: Calendars
) -> int:
    """Each confirmed appointment's reminders that fell due, once each (a row per
    appointment and days-before, written with the event, is the guard)."""
    now = clock()
    longest = max((d for c in calendars.values() for d in c.rules.reminders), default=0)
    sent = 0
    async with uow:
        found = await uow.appointments.starting_between(
            now, now + timedelta(days=longest), cmd.limit
        )
        for appointment, already in found:
            calendar = calendars.get(appointment.case.service_code)
            for days in calendar.rules.reminders if calendar else ():
                due_at = appointment.starts_at - timedelta(days=days)
                if days in already or due_at > now:
                    continue
                await uow.appointments.record_reminder(appointment, days, due_at)
                if now - due_at < LATE:
                    appointment.reminder_due(days)
                    sent += 1
        await uow.commit()
    return sent


async def sweep_expired_holds(
    cmd: commands.SweepExpiredHolds, uow: UnitOfWork, *, clock: Clock
) -> int:
    async with uow:
        swept = await uow.places.sweep(clock())
        await uow.commit()
    return swept
