"""Which channel reaches a resident, and when a text may go (standard library only).

The resident's chosen channels come first, in their order; then what identity holds
for them (email, then a mobile number); a resident with neither gets a letter at their
postal address, so nobody offline is left out. A rule may narrow the channels it uses.
Texts are not sent in quiet hours, 21:00 to 08:00 in Europe/London, unless the rule is
urgent: they wait until 08:00.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)
#: Without a choice of the resident's: email, then text; a letter when neither reaches.
FALLBACK = ("email", "sms")


@dataclass(frozen=True)
class Reach:
    """What identity holds for a resident, as kinds of contact only (no values)."""

    email: bool = False
    sms: bool = False
    letter: bool = False

    def reaches(self, channel: str) -> bool:
        return bool(getattr(self, channel, False))


def choose_channel(allowed: Sequence[str], chosen: Sequence[str], reach: Reach) -> str | None:
    """The channel to use, or None when nothing the rule allows reaches the resident."""
    for channel in (*chosen, *FALLBACK, "letter"):
        if channel in allowed and reach.reaches(channel):
            return channel
    return None


def send_after(now: datetime, channel: str, *, urgent: bool) -> datetime:
    """The earliest time a message on ``channel`` may go: now, or 08:00 London time
    when it is a non-urgent text in quiet hours."""
    if channel != "sms" or urgent:
        return now
    local = now.astimezone(LONDON)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return now
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=LONDON).astimezone(now.tzinfo)
