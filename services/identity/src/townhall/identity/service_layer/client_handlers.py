"""Service clients: other services obtain tokens with the client-credentials grant."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from townhall.identity.adapters.orm import service_clients
from townhall.identity.domain.exceptions import (
    AlreadyExistsError,
    InvalidChangeError,
    InvalidCredentialsError,
)
from townhall.identity.service_layer.access_handlers import Access
from townhall.identity.service_layer.unit_of_work import UnitOfWork

#: Scopes a service client may hold.
SCOPES = frozenset({"pii:read", "residents:match"})


@dataclass(frozen=True)
class RegisterServiceClient:
    client_id: str
    scopes: tuple[str, ...]
    #: Normally generated; the development platform hands one in so it can configure
    #: the calling service too (see townhall.identity.seed).
    secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AuthenticateServiceClient:
    client_id: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class ServiceClient:
    client_id: str
    scopes: tuple[str, ...]
    secret: str | None = field(default=None, repr=False)  # only when just created


async def register_client(
    command: RegisterServiceClient, uow: UnitOfWork, access: Access
) -> ServiceClient:
    unknown = set(command.scopes) - SCOPES
    if unknown:
        raise InvalidChangeError(f"unknown scopes: {sorted(unknown)}")
    secret = command.secret or secrets.token_urlsafe(32)
    values = {
        "client_id": command.client_id,
        "secret_hash": access.hash_password(secret),
        "scopes": " ".join(sorted(set(command.scopes))),
    }
    async with uow:
        try:
            await uow.session.execute(insert(service_clients).values(**values))
        except IntegrityError as exc:
            raise AlreadyExistsError(f"service client {command.client_id!r} exists") from exc
        await uow.commit()
    return ServiceClient(command.client_id, tuple(sorted(set(command.scopes))), secret)


async def authenticate_client(
    command: AuthenticateServiceClient, uow: UnitOfWork, access: Access
) -> ServiceClient:
    key = f"client:{command.client_id}"
    access.throttle.check(key)
    async with uow:
        query = select(service_clients).where(service_clients.c.client_id == command.client_id)
        row = (await uow.session.execute(query)).one_or_none()
    if not access.verify_password(row.secret_hash if row else None, command.secret) or not row:
        access.throttle.failed(key)
        raise InvalidCredentialsError()
    access.throttle.succeeded(key)
    return ServiceClient(row.client_id, tuple(row.scopes.split()))
