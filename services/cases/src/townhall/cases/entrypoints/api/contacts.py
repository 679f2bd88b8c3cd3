"""Contacts officers log with residents (phone, face to face…)."""

from __future__ import annotations

from fastapi import APIRouter

from townhall.cases.domain.commands import LogContact
from townhall.cases.entrypoints.api.dependencies import Bus, Context, LogsContact
from townhall.cases.entrypoints.api.schemas import Created, LogContactRequest
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/contacts", tags=["contacts"])


@router.post("", status_code=201, response_model=Created, responses=problems(400, 404, 422))
async def log_contact(
    body: LogContactRequest, bus: Bus, context: Context, actor: LogsContact
) -> Created:
    command = LogContact(
        resident_id=body.resident_id,
        channel=body.channel,
        reason=body.reason,
        outcome=body.outcome,
        duration_seconds=body.duration_seconds,
        actor=actor,
        case_reference=body.case_reference,
    )
    return Created(id=await bus.handle(command, context))
