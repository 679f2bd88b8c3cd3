"""Residents: registration (thin slice; the full record arrives with the identity issue)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from townhall.identity.domain.commands import RegisterResident
from townhall.identity.entrypoints.api.dependencies import Bus, Context
from townhall.identity.entrypoints.api.schemas import RegisterResidentRequest, ResidentCreated

router = APIRouter(prefix="/residents", tags=["residents"])


@router.post("", status_code=201, response_model=ResidentCreated)
async def register_resident(
    body: RegisterResidentRequest, bus: Bus, context: Context, response: Response
) -> ResidentCreated:
    resident_id = await bus.handle(RegisterResident(**body.model_dump()), context)
    response.headers["Location"] = f"/residents/{resident_id}"
    return ResidentCreated(id=resident_id)
