"""Booking's domain errors mapped to problem responses, in one place.

Every refusal says which rule refused it (the problem's ``type`` and ``title``), and a
refused request changed nothing: each handler writes in one transaction. A refusal for
the cut-off gives the moment it closed as ``cut_off_at`` (a UTC instant, or null), for
callers to say in their own words and language; ``detail`` is for people reading logs.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.responses import Response

from townhall.booking.domain import exceptions as ex
from townhall.runtime.problems import (
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
    UnprocessableContent,
    problem_response,
)

PROBLEMS = "https://townhall.example/problems/"


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name.removesuffix("Error")).lower()


def to_problem(exc: ex.BookingError) -> ProblemError:
    type_ = f"{PROBLEMS}{_slug(type(exc).__name__)}"
    match exc:
        case ex.SlotChoiceError():
            return UnprocessableContent(str(exc), title=exc.title, type_=type_)
        case ex.CutOffPassedError():
            closed = {"cut_off_at": exc.closed_at.isoformat() if exc.closed_at else None}
            return Conflict(str(exc), title="Cut-off passed", type_=type_, extensions=closed)
        case ex.SlotTakenError():
            return Conflict(str(exc), title="Slot taken", type_=type_)
        case ex.HoldExpiredError():
            return Conflict(str(exc), title="Hold expired", type_=type_)
        case ex.NotFoundError():
            return NotFound(str(exc), type_=type_)
        case ex.NoCalendarError():
            return UnprocessableContent(str(exc), title="Not bookable", type_=type_)
        case ex.NoLocationError():
            return UnprocessableContent(str(exc), title="Where is the property?", type_=type_)
        case ex.AppointmentStateError():
            return Conflict(str(exc), title="Not possible now", type_=type_)
        case ex.ConcurrentUpdateError():
            return Conflict(str(exc), title="Changed meanwhile", type_=type_)
        case ex.NotPermittedError():
            return Forbidden(str(exc), type_=type_)
    return ProblemError(400, "Request refused", str(exc))


async def _on_booking_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ex.BookingError)
    problem = to_problem(exc)
    return problem_response(problem.to_problem(request.url.path), problem.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ex.BookingError, _on_booking_error)
