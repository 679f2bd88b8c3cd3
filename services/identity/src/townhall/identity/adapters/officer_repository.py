"""Officers and their roles in identity's database."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.orm import officer_roles, officers
from townhall.identity.domain.exceptions import DuplicateEmailError
from townhall.identity.domain.officers import Officer


class OfficerRepository:
    def __init__(self, session: AsyncSession):
        self.session = session
        self.seen: list[Officer] = []

    async def add(self, officer: Officer) -> None:
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    insert(officers).values(
                        id=officer.id,
                        email=officer.email,
                        display_name=officer.display_name,
                        password_hash=officer.password_hash,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateEmailError(officer.email) from exc
        await self.save_roles(officer)
        self.seen.append(officer)

    async def save_roles(self, officer: Officer) -> None:
        await self.session.execute(
            delete(officer_roles).where(officer_roles.c.officer_id == officer.id)
        )
        rows = [
            {"officer_id": officer.id, "domain": d, "clearance": c}
            for d, c in officer.roles.items()
        ]
        if rows:
            await self.session.execute(insert(officer_roles), rows)

    async def get(self, officer_id: uuid.UUID) -> Officer | None:
        return await self._one(officers.c.id == officer_id)

    async def by_email(self, email: str) -> Officer | None:
        return await self._one(officers.c.email == email.strip().lower())

    async def _one(self, condition: object) -> Officer | None:
        row = (await self.session.execute(select(officers).where(condition))).one_or_none()  # type: ignore[arg-type]
        if row is None:
            return None
        query = select(officer_roles.c.domain, officer_roles.c.clearance).where(
            officer_roles.c.officer_id == row.id
        )
        roles = {r.domain: r.clearance for r in await self.session.execute(query)}
        officer = Officer(row.id, row.email, row.display_name, row.password_hash, roles)
        self.seen.append(officer)
        return officer
