"""What the booking pages need besides their routes: whether a request can book a visit
now, its booked visit, the offered slots grouped by day, and a resident's choice of one,
checked before booking is asked anything.

A request can book a visit while cases has it ``triaged`` (pest control: after its fee is
paid) and booking knows it (booking learns of every request of a type with a calendar);
once booked, cases moves it to ``scheduled`` and the visit can be changed or cancelled
until booking's cut-off, which booking enforces and explains.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from townhall.web.forms import Checked
from townhall.web.i18n import N_
from townhall.web.officer.workspace import Workspace
from townhall.web.templating import council_time
from townhall.web.upstream import ConflictError, UpstreamError

COUNCIL_TIME = ZoneInfo("Europe/London")
#: Cases' states in which the request may have, or book, a visit.
BOOKING_STATES = frozenset({"triaged", "scheduled"})
#: The slots offered on one page: the booking window's first days.
DAYS_SHOWN = 14
RESOURCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CHOOSE = N_("Choose a time for the visit")
POSTCODE_MISSING = N_("Enter the postcode of the property")
CUT_OFF = N_("It is too late to change or cancel this visit here: that closed at %(when)s.")
CUT_OFF_NOW = N_("It is too late to change or cancel this visit here.")


async def on_tracking(
    workspace: Workspace, token: str, reference: str, status: str
) -> dict[str, Any] | None:
    """For the tracking page: ``{"visit": the booked visit or None, "bookable": bool}``,
    or None when the request takes no visit now (or booking cannot say)."""
    if status not in BOOKING_STATES:
        return None
    try:
        visit = await workspace.booking.visit(token, reference)
    except UpstreamError:  # not a bookable request, or booking is unavailable
        return None
    return {"visit": visit, "bookable": visit is None and status == "triaged"}


def by_day(slots: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The slots grouped by their day in the council's time, in order."""
    days: dict[str, list[dict[str, Any]]] = {}
    for slot in sorted(slots, key=lambda s: str(s.get("starts_at"))):
        starts = datetime.fromisoformat(str(slot["starts_at"])).astimezone(COUNCIL_TIME)
        days.setdefault(starts.date().isoformat(), []).append(slot)
    return list(days.items())


def slot_value(slot: Mapping[str, Any]) -> str:
    """A slot as a radio's value: its resource and its start (UTC)."""
    return f"{slot['resource']}|{slot['starts_at']}"


def choice(form: Mapping[str, str]) -> Checked:
    """The slot chosen: ``resource`` and ``starts_at`` (an aware instant), or an error."""
    checked = Checked({"slot": str(form.get("slot", "")).strip()})
    resource, _, starts_at = checked.values["slot"].partition("|")
    try:
        moment = datetime.fromisoformat(starts_at)
    except ValueError:
        moment = None
    if not RESOURCE.match(resource) or moment is None or moment.tzinfo is None:
        checked.error("slot", CHOOSE)
        return checked
    checked.values.update(resource=resource, starts_at=moment.astimezone(UTC).isoformat())
    return checked


def minutes_left(expires_at: str, now: datetime) -> int:
    """Whole minutes until a hold expires, rounded up (0: it has expired)."""
    left = (datetime.fromisoformat(expires_at) - now).total_seconds()
    return max(0, ceil(left / 60))


def too_late(refused: ConflictError) -> bool:
    """Whether booking refused a change or cancellation for its cut-off."""
    return refused.kind == "cut-off-passed"


def cut_off_said(visit: Mapping[str, Any], language: str) -> tuple[str, dict[str, str]]:
    """What to say when changes closed: the visit's ``cut_off_at`` (a UTC instant,
    booking's data, never its English words) in the resident's language."""
    closed = visit.get("cut_off_at")
    if not closed:
        return CUT_OFF_NOW, {}
    return CUT_OFF, {"when": council_time(str(closed), language)}
