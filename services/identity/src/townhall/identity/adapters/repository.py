"""Residents in identity's database."""

from __future__ import annotations

import uuid

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.orm import residents
from townhall.identity.domain.exceptions import DuplicateEmailError
from townhall.identity.domain.model import Resident


class ResidentRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        #: Aggregates touched in this unit of work, whose events it will collect.
        self.seen: list[Resident] = []

    async def add(self, resident: Resident) -> None:
        try:
            async with self.session.begin_nested():
                await self._insert(resident)
        except IntegrityError as exc:  # the unique index is the last line of defence
            raise DuplicateEmailError(resident.email or "") from exc
        self.seen.append(resident)

    async def _insert(self, resident: Resident) -> None:
        await self.session.execute(
            insert(residents).values(
                id=resident.id,
                given_name=resident.given_name,
                family_name=resident.family_name,
                date_of_birth=resident.date_of_birth,
                email=resident.email,
            )
        )

    async def get(self, resident_id: uuid.UUID) -> Resident | None:
        row = (
            await self.session.execute(select(residents).where(residents.c.id == resident_id))
        ).one_or_none()
        if row is None:
            return None
        return Resident(row.id, row.given_name, row.family_name, row.date_of_birth, row.email)

    async def email_taken(self, email: str) -> bool:
        query = select(residents.c.id).where(residents.c.email == email.lower())
        return (await self.session.execute(query)).first() is not None
