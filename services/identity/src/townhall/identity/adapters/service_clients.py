"""Service clients (other services' client-credentials) in identity's database."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.identity.adapters.orm import service_clients
from townhall.identity.domain.exceptions import AlreadyExistsError


@dataclass(frozen=True)
class StoredClient:
    client_id: str
    scopes: tuple[str, ...]
    secret_hash: str = field(repr=False)


class ServiceClientRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def add(self, client: StoredClient) -> None:
        values = {
            "client_id": client.client_id,
            "secret_hash": client.secret_hash,
            "scopes": " ".join(client.scopes),
        }
        try:
            await self.session.execute(insert(service_clients).values(**values))
        except IntegrityError as exc:
            raise AlreadyExistsError(f"service client {client.client_id!r} exists") from exc

    async def set_scopes(self, client_id: str, scopes: tuple[str, ...]) -> None:
        query = update(service_clients).where(service_clients.c.client_id == client_id)
        await self.session.execute(query.values(scopes=" ".join(scopes)))

    async def get(self, client_id: str) -> StoredClient | None:
        query = select(service_clients).where(service_clients.c.client_id == client_id)
        row = (await self.session.execute(query)).one_or_none()
        if row is None:
            return None
        return StoredClient(row.client_id, tuple(row.scopes.split()), row.secret_hash)
