"""The one way to read the time: a clock injected through each service's ``bootstrap``.

Handlers and domain code take the time as an argument or from the clock they were
given, never from ``datetime.now()``, so a test can say what time it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

#: Answers the current time, timezone-aware, in UTC.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The production clock."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests, replays)."""

    def __init__(self, now: datetime | None = None):
        self.now = now or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if self.now.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> datetime:
        self.now += by
        return self.now
