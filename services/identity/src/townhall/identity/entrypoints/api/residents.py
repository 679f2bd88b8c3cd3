"""Residents: registration, the record, the data key, erasure."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from townhall.identity import views
from townhall.identity.domain.commands import EraseResident, RegisterResident
from townhall.identity.entrypoints.api.dependencies import (
    Bus,
    Context,
    MasterKeysDep,
    Sessions,
    allowed,
)
from townhall.identity.entrypoints.api.schemas import (
    DataKeyOut,
    RegisterResidentRequest,
    ResidentCreated,
)
from townhall.runtime.crypto import encode_key
from townhall.runtime.openapi import problems

router = APIRouter(prefix="/residents", tags=["residents"])


@router.post(
    "",
    status_code=201,
    response_model=ResidentCreated,
    dependencies=[allowed("resident.register")],
    responses=problems(409),
)
async def register_resident(
    body: RegisterResidentRequest, bus: Bus, context: Context, response: Response
) -> ResidentCreated:
    """Register a resident for an officer or a service; residents sign up at /accounts."""
    resident_id = await bus.handle(RegisterResident(**body.model_dump()), context)
    response.headers["Location"] = f"/residents/{resident_id}"
    return ResidentCreated(id=resident_id)


@router.get("/{resident_id}", dependencies=[allowed("resident.read")], responses=problems(404, 429))
async def show_resident(resident_id: UUID, sessions: Sessions) -> dict[str, Any]:
    async with sessions() as session:
        return await views.resident_record(session, resident_id)


@router.get(
    "/{resident_id}/data-key",
    response_model=DataKeyOut,
    dependencies=[allowed("resident.data_key")],
    responses=problems(404, 410),
)
async def data_key(
    resident_id: UUID, sessions: Sessions, master_keys: MasterKeysDep, response: Response
) -> DataKeyOut:
    async with sessions() as session:
        key = await views.data_key(session, resident_id, master_keys)
    response.headers["Cache-Control"] = "no-store"
    return DataKeyOut(
        resident_id=resident_id, key=encode_key(key), context=f"resident/{resident_id}"
    )


@router.delete(
    "/{resident_id}",
    status_code=204,
    dependencies=[allowed("resident.erase")],
    responses=problems(404, 410),
)
async def erase_resident(resident_id: UUID, bus: Bus, context: Context) -> None:
    await bus.handle(EraseResident(resident_id), context)
