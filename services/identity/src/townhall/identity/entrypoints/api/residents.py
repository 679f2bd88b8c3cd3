"""Residents: registration, the record, the data key, erasure."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response

from townhall.identity import views
from townhall.identity.domain.commands import EraseResident, RegisterResident
from townhall.identity.entrypoints.api.dependencies import (
    Admin,
    Bus,
    Context,
    MasterKeysDep,
    PiiReader,
    ResidentOrOfficer,
    Sessions,
)
from townhall.identity.entrypoints.api.schemas import (
    DataKeyOut,
    RegisterResidentRequest,
    ResidentCreated,
)
from townhall.runtime.crypto import encode_key

router = APIRouter(prefix="/residents", tags=["residents"])


@router.post("", status_code=201, response_model=ResidentCreated)
async def register_resident(
    body: RegisterResidentRequest, bus: Bus, context: Context, response: Response
) -> ResidentCreated:
    resident_id = await bus.handle(RegisterResident(**body.model_dump()), context)
    response.headers["Location"] = f"/residents/{resident_id}"
    return ResidentCreated(id=resident_id)


@router.get("/{resident_id}")
async def show_resident(
    resident_id: UUID, _caller: ResidentOrOfficer, sessions: Sessions
) -> dict[str, Any]:
    async with sessions() as session:
        return await views.resident_record(session, resident_id)


@router.get("/{resident_id}/data-key", response_model=DataKeyOut)
async def data_key(
    resident_id: UUID,
    _service: PiiReader,
    sessions: Sessions,
    master_keys: MasterKeysDep,
    response: Response,
) -> DataKeyOut:
    async with sessions() as session:
        key = await views.data_key(session, resident_id, master_keys)
    response.headers["Cache-Control"] = "no-store"
    return DataKeyOut(
        resident_id=resident_id, key=encode_key(key), context=f"resident/{resident_id}"
    )


@router.delete("/{resident_id}", status_code=204)
async def erase_resident(resident_id: UUID, _admin: Admin, bus: Bus, context: Context) -> None:
    await bus.handle(EraseResident(resident_id), context)
