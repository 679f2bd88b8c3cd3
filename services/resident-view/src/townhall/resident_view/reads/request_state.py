"""A request's state and what happens next, read from its steps (see :mod:`.tracking`).

The state is the latest status cases published, the date it aims for, and whether a
fee or a visit is outstanding; what happens next is said in words a resident reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CASES = "/townhall/cases"
#: The payments and booking events cases itself reacts to (their contracts, as read here).
PAYMENT_SUCCEEDED = "townhall.payments.payment.succeeded.v1"
PAYMENT_FAILED = "townhall.payments.payment.failed.v1"
APPOINTMENT_CONFIRMED = "townhall.booking.appointment.confirmed.v1"
APPOINTMENT_CANCELLED = "townhall.booking.appointment.cancelled.v1"
OPEN = frozenset({"submitted", "triaged", "awaiting_payment", "scheduled", "in_progress"})
try:
    LOCAL: ZoneInfo | None = ZoneInfo("Europe/London")
except ZoneInfoNotFoundError:  # pragma: no cover - a system without time zone data
    LOCAL = None


@dataclass(frozen=True)
class State:
    status: str | None
    status_since: datetime | None
    due_at: datetime | None
    overdue: bool
    next_step: str


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # data without an offset: UTC


def _day(moment: datetime) -> str:
    local = moment.astimezone(LOCAL) if LOCAL else moment
    return f"{local.day} {local:%B %Y}"


def _time(moment: datetime) -> str:
    local = moment.astimezone(LOCAL) if LOCAL else moment
    return f"{_day(moment)} at {local:%H:%M}"


def _fee(pence: object) -> str:
    return f"£{pence / 100:,.2f}" if isinstance(pence, int) and pence > 0 else "the fee"


@dataclass
class _Reading:
    """What the steps say, read in order (later steps overrule earlier ones)."""

    status: str | None = None
    since: datetime | None = None
    due_at: datetime | None = None
    fee: object = None
    reason: str = ""
    payment_failed: str | None = None
    visit: datetime | None = None
    visit_booked: bool = False

    def read(self, step: dict[str, Any]) -> None:
        data, kind = step["data"], step["type"]
        if step["source"] == CASES and (status := data.get("to_status") or data.get("status")):
            if status != self.status:
                self.status, self.since = str(status), step["time"]
                self.payment_failed = None
            self.reason = str(data.get("reason") or "")
            self.due_at = _when(data.get("due_at")) or self.due_at
            self.fee = data.get("fee_pence", self.fee)
        elif kind == PAYMENT_FAILED:
            self.payment_failed = str(data.get("reason") or "")
        elif kind == PAYMENT_SUCCEEDED:
            self.payment_failed = None
        elif kind in (APPOINTMENT_CONFIRMED, APPOINTMENT_CANCELLED):
            self.visit_booked = kind == APPOINTMENT_CONFIRMED
            self.visit = _when(data.get("starts_at")) if self.visit_booked else None


def _next(r: _Reading, overdue: bool) -> str:
    if overdue and r.due_at:
        aim = f" It is past the date we aimed for ({_day(r.due_at)}); sorry for the wait."
    else:
        aim = f" We aim to finish by {_day(r.due_at)}." if r.due_at else ""
    match r.status:
        case None:
            return "We have not recorded any progress on this request yet; look again later."
        case "submitted":
            return "We have received your request and an officer will look at it soon." + aim
        case "triaged":
            return "An officer has looked at your request; the team will deal with it next." + aim
        case "awaiting_payment" if r.payment_failed is not None:
            why = f" ({r.payment_failed})" if r.payment_failed else ""
            return f"Your payment did not go through{why}: please pay {_fee(r.fee)} again."
        case "awaiting_payment":
            return f"Pay {_fee(r.fee)} so that we can go ahead with your request."
        case "scheduled" if r.visit_booked and r.visit:
            return f"A visit is booked for {_time(r.visit)}."
        case "scheduled":
            return "We are arranging a visit and will tell you when it is."
        case "in_progress":
            return "The team is working on your request." + aim
        case "resolved":
            return "We have dealt with your request. Tell us if there is still a problem."
        case "rejected":
            why = f": {r.reason}" if r.reason else "."
            return f"Nothing more: we could not take this request on{why}"
        case "closed" | "cancelled":
            return f"Nothing more: this request is {r.status}."
    return "We will update this page when there is news."


def state(found: Sequence[dict[str, Any]], now: datetime) -> State:
    """The request's state and what happens next, read from its steps (oldest first)."""
    reading = _Reading()
    for step in found:
        reading.read(step)
    overdue = reading.status in OPEN and reading.due_at is not None and reading.due_at < now
    return State(reading.status, reading.since, reading.due_at, overdue, _next(reading, overdue))
