"""Read side: the resident's record, consents and data key, as plain JSON."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.data_keys import DataKeyStore
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.repository import ResidentRepository
from townhall.identity.domain.exceptions import NotFoundError, ResidentErasedError
from townhall.identity.domain.model import Resident


async def _resident(session: AsyncSession, resident_id: uuid.UUID) -> Resident:
    resident = await ResidentRepository(session).get(resident_id)
    if resident is None:
        raise NotFoundError("resident", resident_id)
    if resident.erased:
        raise ResidentErasedError()
    return resident


async def resident_record(session: AsyncSession, resident_id: uuid.UUID) -> dict[str, Any]:
    resident = await _resident(session, resident_id)
    merged = await ResidentRepository(session).merged_into(resident.id)
    return {
        "id": str(resident.id),
        **resident.personal(),
        "identifiers": [{"system": s, "value": v} for s, v in sorted(resident.identifiers)],
        "loa": resident.loa,
        #: The records merged into this one (an officer may undo a merge).
        "merged": [
            {"id": str(m.id), "given": m.given_name, "family": m.family_name} for m in merged
        ],
    }


async def consents(session: AsyncSession, resident_id: uuid.UUID) -> list[str]:
    return sorted((await _resident(session, resident_id)).consents)


async def data_key(session: AsyncSession, resident_id: uuid.UUID, master_keys: MasterKeys) -> bytes:
    await _resident(session, resident_id)
    key = await DataKeyStore(session, master_keys).get(resident_id)
    if key is None:
        raise NotFoundError("data key for resident", resident_id)
    return key
