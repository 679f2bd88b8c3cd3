"""What can be booked, when: resources, their hours and areas, and a service type's rules.

Standard library only. A council describes its calendars in files
(:mod:`townhall.booking.adapters.calendar_files` reads and checks them); this module
turns them into slots. Times a council writes (working hours, the cut-off) are local
times in Europe/London; every slot is stored and compared as a UTC instant, so a 09:00
slot is 09:00 on the clock on both sides of a clock change.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from townhall.booking.domain import exceptions as ex

LONDON = ZoneInfo("Europe/London")
RESOURCE_KINDS = ("crew", "van", "officer", "counter")


def local(moment: datetime) -> datetime:
    """``moment`` on the clock in Europe/London."""
    return moment.astimezone(LONDON)


@functools.lru_cache(maxsize=65536)
def at_local(day: date, clock_time: time) -> datetime | None:
    """The UTC instant of ``clock_time`` on ``day`` in London; None if the clocks skip
    it (01:00-02:00 on the last Sunday of March). An ambiguous time (the hour repeated
    in October) is its first occurrence."""
    wall = datetime.combine(day, clock_time, tzinfo=LONDON)
    instant = wall.astimezone(UTC)
    if instant.astimezone(LONDON).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None
    return instant


def normal_postcode(postcode: str) -> str:
    """``sw1a1aa`` → ``SW1A 1AA`` (the inward code is always three characters); a
    sector keeps its space (``n1 2`` → ``N1 2``)."""
    parts = postcode.upper().split()
    if len(parts) == 2 and len(parts[1]) == 1:
        return " ".join(parts)  # a sector: the outward code and the inward digit
    compact = "".join(parts)
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def covers(areas: tuple[str, ...], postcode: str) -> bool:
    """Whether a postcode, or a postcode sector (``N1 2``: what cases publishes in
    clear), is in ``areas``: each an outward code (``SW1A``, ``M1``), a sector
    (``SW1A 1``) or a postcode area (letters only: ``SW``)."""
    full = normal_postcode(postcode)
    outward = full.split(" ")[0]
    letters = outward[: len(outward) - len(outward.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
    for area in areas:
        if area == outward or (" " in area and full.startswith(area)):
            return True
        if area.isalpha() and area == letters:
            return True
    return False


@dataclass(frozen=True)
class Shift:
    start: time
    end: time


@dataclass(frozen=True)
class Resource:
    """A crew, van, officer or counter: when it works, where, and how many at once."""

    code: str
    name: str
    kind: str
    service_types: frozenset[str]
    areas: tuple[str, ...]
    #: Shifts by weekday (0 Monday … 6 Sunday); a day without shifts is not worked.
    hours: Mapping[int, tuple[Shift, ...]]
    slot_minutes: int
    #: Places per slot: one visit, or several (a counter, a round).
    capacity: int
    #: At most this many bookings a day (rounds that count properties, not time).
    day_cap: int | None = None

    def slots_on(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """(starts_at, ends_at) in UTC of each slot on ``day``, in order."""
        return _slots(self.hours.get(day.weekday(), ()), self.slot_minutes, day)


@functools.lru_cache(maxsize=65536)
def _slots(
    shifts: tuple[Shift, ...], slot_minutes: int, day: date
) -> tuple[tuple[datetime, datetime], ...]:
    """The slots of ``shifts`` on ``day``: shared by every resource working those hours."""
    length = timedelta(minutes=slot_minutes)
    found = []
    for shift in shifts:
        start = datetime.combine(day, shift.start)
        end = datetime.combine(day, shift.end)
        while start + length <= end:
            begins = at_local(day, start.time())
            if begins is not None:
                found.append((begins, begins + length))
            start += length
    return tuple(found)


@dataclass(frozen=True)
class CutOff:
    """Bookings, changes and cancellations for a day close ``days_before`` it at ``at``
    (local): bulky waste closes at 14:00 the day before."""

    days_before: int
    at: time

    def deadline(self, day: date) -> datetime:
        closes = day - timedelta(days=self.days_before)
        return at_local(closes, self.at) or datetime.combine(closes, self.at, LONDON)


@dataclass(frozen=True)
class Rules:
    """A service type's booking rules."""

    service_type: str
    #: How many days are offered, from the first day still open to bookings.
    window_days: int
    minimum_notice: timedelta
    cutoff: CutOff | None
    hold_ttl: timedelta
    #: Reminders are due this many days before the visit.
    reminders: tuple[int, ...] = (3, 1)

    def closes(self, day: date) -> datetime | None:
        return self.cutoff.deadline(day) if self.cutoff else None

    def open_for_changes(self, starts_at: datetime, now: datetime) -> bool:
        """Whether a booking starting then may still be made, changed or cancelled."""
        closes = self.closes(local(starts_at).date())
        return now < starts_at and (closes is None or now < closes)

    def window(self, now: datetime) -> tuple[date, date]:
        """The first and last day offered: from the first day whose cut-off has not
        passed, for ``window_days`` days."""
        first = local(now).date()
        while (closes := self.closes(first)) is not None and now >= closes:
            first += timedelta(days=1)
        return first, first + timedelta(days=self.window_days - 1)


@dataclass(frozen=True, slots=True)
class Offer:
    """One slot a resource offers (before counting what is taken); ``day`` is its local
    date."""

    resource: Resource
    starts_at: datetime
    ends_at: datetime
    day: date


@dataclass(frozen=True)
class Calendar:
    """One service type's rules and the resources that do its visits."""

    rules: Rules
    resources: tuple[Resource, ...]
    bank_holidays: frozenset[date]

    @property
    def service_type(self) -> str:
        return self.rules.service_type

    def serving(self, postcode: str | None) -> list[Resource]:
        return [r for r in self.resources if postcode is None or covers(r.areas, postcode)]

    def offers(self, postcode: str | None, now: datetime) -> Iterator[Offer]:
        """Every slot in the window for a property at ``postcode`` that may be booked now."""
        first, last = self.rules.window(now)
        earliest = now + self.rules.minimum_notice
        resources = self.serving(postcode)
        day = first
        while day <= last:
            closes = self.rules.closes(day)
            if day not in self.bank_holidays and (closes is None or now < closes):
                for resource in resources:
                    for starts_at, ends_at in resource.slots_on(day):
                        if starts_at >= earliest and starts_at > now:
                            yield Offer(resource, starts_at, ends_at, day)
            day += timedelta(days=1)

    def resource(self, code: str) -> Resource | None:
        return next((r for r in self.resources if r.code == code), None)

    def offer(self, code: str, starts_at: datetime, postcode: str | None, now: datetime) -> Offer:
        """The slot a caller chose, or the error that says why it cannot be booked."""
        resource = self.resource(code)
        if resource is None:
            raise ex.WrongServiceTypeError(code, self.service_type)
        if starts_at <= now:
            raise ex.SlotInPastError(starts_at)
        day = local(starts_at).date()
        ends_at = next((end for start, end in resource.slots_on(day) if start == starts_at), None)
        if ends_at is None:
            raise ex.NotASlotError(code, starts_at, "it is not one of the resource's slots")
        if day in self.bank_holidays:
            raise ex.NotASlotError(code, starts_at, "it is a bank holiday")
        if postcode is not None and not covers(resource.areas, postcode):
            raise ex.OutsideAreaError(code, postcode)
        first, last = self.rules.window(now)
        if day > last:
            raise ex.OutsideWindowError(starts_at, first, last)
        if not self.rules.open_for_changes(starts_at, now) or day < first:
            raise ex.CutOffPassedError(starts_at, self.rules.closes(day))
        if starts_at < now + self.rules.minimum_notice:
            raise ex.TooLittleNoticeError(starts_at, self.rules.minimum_notice)
        return Offer(resource, starts_at, ends_at, day)
