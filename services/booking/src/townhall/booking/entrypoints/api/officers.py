"""Officers' views: a resource's run sheet for a day, and a visit's outcome."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path

from townhall.booking import views
from townhall.booking.domain import commands
from townhall.booking.entrypoints.api.dependencies import (
    Bus,
    CalendarsDep,
    Context,
    ReadsRunSheet,
    RecordsVisit,
    Session,
)
from townhall.booking.entrypoints.api.schemas import AppointmentOut, OutcomeRequest, RunSheetOut
from townhall.runtime.openapi import problems

router = APIRouter(tags=["officers"])


@router.get("/resources/{resource}/run-sheet/{day}", response_model=RunSheetOut)
async def run_sheet(
    resource: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)],
    day: date,
    session: Session,
    actor: ReadsRunSheet,
    calendars: CalendarsDep,
) -> RunSheetOut:
    """The resource's visits on ``day`` (local), in order: those of the service areas
    the officer works (the filter is in the query)."""
    rows = await views.run_sheet(session, resource, day, actor.clearances)
    return RunSheetOut(
        resource=resource, day=day, visits=[AppointmentOut.of_row(row, calendars) for row in rows]
    )


@router.post(
    "/appointments/{appointment_id}/outcome",
    response_model=AppointmentOut,
    responses=problems(403, 404, 409),
)
async def record_outcome(
    appointment_id: uuid.UUID,
    body: OutcomeRequest,
    bus: Bus,
    context: Context,
    actor: RecordsVisit,
    calendars: CalendarsDep,
) -> AppointmentOut:
    """Record how the visit went (completed, no access, resident not home)."""
    command = commands.RecordVisit(appointment_id, body.outcome, actor)
    return AppointmentOut.of(await bus.handle(command, context), calendars)
