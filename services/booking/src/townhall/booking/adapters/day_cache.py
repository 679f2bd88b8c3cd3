"""What is left of each slot on one day of one calendar, kept between availability reads.

A page of availability walks 90 days of slots for every resource and counts what is
taken; a day's answer changes only when a place on that day is taken or released, or
a hold on it expires. So each (calendar, day) is kept as computed, for every resource
(the postcode's resources, the notice and the property's own bookings are applied when
it is read, and are cheap), and dropped:

* when this process commits a change to a place on that day (the unit of work reports
  the days it touched, :meth:`DayCache.invalidate`); a read that began before such a
  commit does not put its older answer back (a generation per day);
* when the earliest live hold counted on it expires (``valid_until``);
* after ``ttl`` in any case: another replica's bookings do not reach this cache, so a
  slot it took may be offered here for at most that long. The database still refuses
  it (the hold answers 409): a stale page can mislead, never double-book.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True, slots=True)
class SlotLeft:
    resource: str
    starts_at: datetime
    ends_at: datetime
    left: int


@dataclass(frozen=True)
class Day:
    """One calendar day's slots with places left (all resources), as counted at
    ``computed_at``, true until ``valid_until`` (a live hold's expiry) if set."""

    slots: tuple[SlotLeft, ...]
    computed_at: datetime
    valid_until: datetime | None = None


class DayCache:
    """Days by (service type, day); ``ttl`` of zero keeps nothing."""

    def __init__(self, ttl: timedelta, max_days: int = 20_000):
        self.ttl = ttl
        self.max_days = max_days
        self._days: dict[tuple[str, date], Day] = {}
        self._generations: dict[date, int] = {}
        #: Days computed because they were missing or stale (for tests and the bench).
        self.computed = 0

    @property
    def enabled(self) -> bool:
        return self.ttl > timedelta(0)

    def get(self, service_type: str, day: date, now: datetime) -> Day | None:
        found = self._days.get((service_type, day))
        if found is None:
            return None
        if now >= found.computed_at + self.ttl or (
            found.valid_until is not None and now >= found.valid_until
        ):
            del self._days[(service_type, day)]
            return None
        return found

    def generation(self, day: date) -> int:
        return self._generations.get(day, 0)

    def put(self, service_type: str, day: date, entry: Day, generation: int) -> None:
        """Keep ``entry`` unless ``day`` changed since ``generation`` was read."""
        self.computed += 1
        if not self.enabled or self.generation(day) != generation:
            return
        if len(self._days) >= self.max_days:
            self._days.clear()
        self._days[(service_type, day)] = entry

    def invalidate(self, days: Iterable[date]) -> None:
        """Places on ``days`` were taken or released (committed): forget those days."""
        for day in set(days):
            self._generations[day] = self.generation(day) + 1
            for key in [k for k in self._days if k[1] == day]:
                del self._days[key]
