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
#: What a throttled client-credentials attempt counts as.
CLIENT = "client"
#: A secret handed in (the development platform's) is at least this long: generated
#: ones are 43 characters of ``token_urlsafe(32)``, 256 bits.
MIN_SECRET_LENGTH = 32


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
    #: Where the attempt came from: failures delay that address, never the client.
    client_address: str = "unknown"


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
    if command.secret is not None and len(command.secret) < MIN_SECRET_LENGTH:
        raise InvalidChangeError(f"a client secret has at least {MIN_SECRET_LENGTH} characters")
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
    """Check a client's secret (argon2: compared in constant time, and as slowly for an
    unknown client). Nobody can lock a service out: a wrong secret delays only the
    address it came from, so the real service keeps getting tokens from its own."""
    client, address = command.client_id, command.client_address
    await access.sign_in.check(CLIENT, client, address)
    async with uow:
        stored = await uow.service_clients.get(client)
    hashed = stored.secret_hash if stored else None
    if not access.verify_password(hashed, command.secret) or stored is None:
        await access.sign_in.failed(CLIENT, client, address)
        raise InvalidCredentialsError()
    await access.sign_in.succeeded(CLIENT, client, address)
    return ServiceClient(stored.client_id, stored.scopes)
