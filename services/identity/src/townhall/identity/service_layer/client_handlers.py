"""Service clients: other services obtain tokens with the client-credentials grant."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from townhall.identity.adapters.service_clients import StoredClient
from townhall.identity.domain.exceptions import (
    InvalidChangeError,
    InvalidCredentialsError,
    NotFoundError,
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
class GrantServiceClientScopes:
    """Add scopes to a registered client (what it already holds stays)."""

    client_id: str
    scopes: tuple[str, ...]


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
    scopes = tuple(sorted(set(command.scopes)))
    async with uow:
        await uow.service_clients.add(
            StoredClient(command.client_id, scopes, access.hash_password(secret))
        )
        await uow.commit()
    return ServiceClient(command.client_id, scopes, secret)


async def grant_scopes(command: GrantServiceClientScopes, uow: UnitOfWork) -> tuple[str, ...]:
    """The client's scopes once ``command.scopes`` are added; unchanged if it had them."""
    unknown = set(command.scopes) - SCOPES
    if unknown:
        raise InvalidChangeError(f"unknown scopes: {sorted(unknown)}")
    async with uow:
        stored = await uow.service_clients.get(command.client_id)
        if stored is None:
            raise NotFoundError("service client", command.client_id)
        scopes = tuple(sorted({*stored.scopes, *command.scopes}))
        if scopes != stored.scopes:
            await uow.service_clients.set_scopes(command.client_id, scopes)
            await uow.commit()
    return scopes


async def authenticate_client(
    command: AuthenticateServiceClient, uow: UnitOfWork, access: Access
) -> ServiceClient:
    key = f"client:{command.client_id}"
    access.throttle.check(key)
    async with uow:
        stored = await uow.service_clients.get(command.client_id)
    hashed = stored.secret_hash if stored else None
    if not access.verify_password(hashed, command.secret) or stored is None:
        access.throttle.failed(key)
        raise InvalidCredentialsError()
    access.throttle.succeeded(key)
    return ServiceClient(stored.client_id, stored.scopes)
