"""A request's state and what happens next, read from its steps (see :mod:`.tracking`).

The state is the latest status cases published, the date it aims for, and whether a
fee or a visit is outstanding; what happens next is a stable code with its facts
(:class:`NextStep`, for a front door to word in its own language) and, from them, the
same in English words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
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
    next: NextStep


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
    return _date(local.date())


def _date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


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


#: What happens next, as a code a front door words in its own language; ``params``
#: holds the facts the words need (only those there are):
#: ``due_on`` (the London day it aims for, ISO) and ``overdue`` (true, when past it) with
#: ``received``, ``triaged`` and ``in_progress``; ``fee_pence`` with ``pay`` and
#: ``pay_again`` (and the provider's ``reason``); ``visit_at`` (ISO, UTC) with
#: ``visit_booked``; the officer's ``reason`` with ``rejected``; ``status`` (closed,
#: cancelled) with ``ended``.
NEXT_STEPS = (
    "no_progress",
    "received",
    "triaged",
    "pay_again",
    "pay",
    "visit_booked",
    "arranging_visit",
    "in_progress",
    "resolved",
    "rejected",
    "ended",
    "awaiting_news",
)
Params = dict[str, str | int | bool]


@dataclass(frozen=True)
class NextStep:
    """What happens next: one of :data:`NEXT_STEPS` and its facts."""

    code: str
    params: Params = field(default_factory=dict)


def _aim(r: _Reading, overdue: bool) -> Params:
    if r.due_at is None:
        return {}
    local = r.due_at.astimezone(LOCAL) if LOCAL else r.due_at
    return {"due_on": local.date().isoformat()} | ({"overdue": True} if overdue else {})


def _fee_of(r: _Reading) -> Params:
    return {"fee_pence": r.fee} if isinstance(r.fee, int) and r.fee > 0 else {}


def next_step(r: _Reading, overdue: bool) -> NextStep:
    match r.status:
        case None:
            return NextStep("no_progress")
        case "submitted" | "triaged" | "in_progress":
            code = "received" if r.status == "submitted" else r.status
            return NextStep(code, _aim(r, overdue))
        case "awaiting_payment" if r.payment_failed is not None:
            why: Params = {"reason": r.payment_failed} if r.payment_failed else {}
            return NextStep("pay_again", _fee_of(r) | why)
        case "awaiting_payment":
            return NextStep("pay", _fee_of(r))
        case "scheduled" if r.visit_booked and r.visit:
            return NextStep("visit_booked", {"visit_at": r.visit.astimezone(UTC).isoformat()})
        case "scheduled":
            return NextStep("arranging_visit")
        case "resolved":
            return NextStep("resolved")
        case "rejected":
            return NextStep("rejected", {"reason": r.reason} if r.reason else {})
        case "closed" | "cancelled":
            return NextStep("ended", {"status": r.status})
    return NextStep("awaiting_news")


def _aim_words(step: NextStep) -> str:
    day = step.params.get("due_on")
    if not isinstance(day, str):
        return ""
    said = _date(date.fromisoformat(day))
    if step.params.get("overdue"):
        return f" It is past the date we aimed for ({said}); sorry for the wait."
    return f" We aim to finish by {said}."


def _fee_words(step: NextStep) -> str:
    return _fee(step.params.get("fee_pence"))


def words(step: NextStep) -> str:
    """What happens next in English, from the code and its facts."""
    p = step.params
    match step.code:
        case "no_progress":
            return "We have not recorded any progress on this request yet; look again later."
        case "received":
            return "We have received your request and an officer will look at it soon." + (
                _aim_words(step)
            )
        case "triaged":
            return "An officer has looked at your request; the team will deal with it next." + (
                _aim_words(step)
            )
        case "pay_again":
            why = f" ({p['reason']})" if p.get("reason") else ""
            return f"Your payment did not go through{why}: please pay {_fee_words(step)} again."
        case "pay":
            return f"Pay {_fee_words(step)} so that we can go ahead with your request."
        case "visit_booked":
            return f"A visit is booked for {_time(datetime.fromisoformat(str(p['visit_at'])))}."
        case "arranging_visit":
            return "We are arranging a visit and will tell you when it is."
        case "in_progress":
            return "The team is working on your request." + _aim_words(step)
        case "resolved":
            return "We have dealt with your request. Tell us if there is still a problem."
        case "rejected":
            why = f": {p['reason']}" if p.get("reason") else "."
            return f"Nothing more: we could not take this request on{why}"
        case "ended":
            return f"Nothing more: this request is {p.get('status')}."
    return "We will update this page when there is news."


def state(found: Sequence[dict[str, Any]], now: datetime) -> State:
    """The request's state and what happens next, read from its steps (oldest first)."""
    reading = _Reading()
    for found_step in found:
        reading.read(found_step)
    overdue = reading.status in OPEN and reading.due_at is not None and reading.due_at < now
    then = next_step(reading, overdue)
    return State(reading.status, reading.since, reading.due_at, overdue, words(then), then)
