"""A resident's own appointments: their part of a subject access export in the front
door (every visit of their requests, booked, moved, cancelled or made)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from townhall.booking import views
from townhall.booking.entrypoints.api.dependencies import (
    ListsOwnAppointments,
    ServicesDep,
    Session,
)
from townhall.booking.entrypoints.api.schemas import AppointmentOut
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/residents/me", tags=["booking"])


@router.get("/appointments", response_model=list[AppointmentOut], responses=problems(422))
async def own_appointments(
    services: ServicesDep,
    session: Session,
    resident: ListsOwnAppointments,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AppointmentOut]:
    """The caller's own appointments of every request, newest first."""
    try:
        resident_id = uuid.UUID(resident.subject)
    except ValueError:  # a subject that is no resident id has none
        return []
    rows = await views.own_appointments(session, resident_id, limit)
    return [AppointmentOut.of_row(row, services.calendars) for row in rows]
