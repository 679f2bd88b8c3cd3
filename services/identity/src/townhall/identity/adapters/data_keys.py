"""Per-resident data keys, wrapped under the master key (crypto-shredding)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.orm import resident_data_keys
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.crypto import generate_key


class DataKeyStore:
    def __init__(self, session: AsyncSession, master_keys: MasterKeys, *, clock: Clock = utc_now):
        self.session = session
        self.master_keys = master_keys
        self.clock = clock

    async def get(self, resident_id: uuid.UUID) -> bytes | None:
        table = resident_data_keys
        query = select(table.c.wrapped_key, table.c.master_key_id).where(
            table.c.resident_id == resident_id
        )
        row = (await self.session.execute(query)).one_or_none()
        return None if row is None else self.master_keys.unwrap(row.wrapped_key, row.master_key_id)

    async def get_or_create(self, resident_id: uuid.UUID) -> bytes:
        key = await self.get(resident_id)
        if key is not None:
            return key
        key = generate_key()
        wrapped, master_key_id = self.master_keys.wrap(key)
        await self.session.execute(
            insert(resident_data_keys).values(
                resident_id=resident_id,
                wrapped_key=wrapped,
                master_key_id=master_key_id,
                created_at=self.clock(),
            )
        )
        return key

    async def destroy(self, resident_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(resident_data_keys).where(resident_data_keys.c.resident_id == resident_id)
        )
