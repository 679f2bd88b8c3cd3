"""Per-resident data keys, wrapped under the master key (crypto-shredding)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.orm import resident_data_keys
from townhall.runtime.crypto import generate_key, unwrap_key, wrap_key


class DataKeyStore:
    def __init__(self, session: AsyncSession, master_key: bytes):
        self.session = session
        self.master_key = master_key

    async def get(self, resident_id: uuid.UUID) -> bytes | None:
        query = select(resident_data_keys.c.wrapped_key).where(
            resident_data_keys.c.resident_id == resident_id
        )
        wrapped = (await self.session.execute(query)).scalar_one_or_none()
        return None if wrapped is None else unwrap_key(wrapped, self.master_key)

    async def get_or_create(self, resident_id: uuid.UUID) -> bytes:
        key = await self.get(resident_id)
        if key is not None:
            return key
        key = generate_key()
        await self.session.execute(
            insert(resident_data_keys).values(
                resident_id=resident_id,
                wrapped_key=wrap_key(key, self.master_key),
                created_at=datetime.now(UTC),
            )
        )
        return key

    async def destroy(self, resident_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(resident_data_keys).where(resident_data_keys.c.resident_id == resident_id)
        )
