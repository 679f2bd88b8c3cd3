"""FastAPI dependencies, as Annotated aliases (the only place Depends appears).

Every dependency is ``async def``: FastAPI runs a plain ``def`` one in its thread pool,
a hand-over each way per dependency per request, for work that never blocks.

The module does without ``from __future__ import annotations``: FastAPI reads the
annotations of the guards made in :func:`allowed`, which name the action's dependency.
"""

import ipaddress
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.signing_keys import SigningKeys
from townhall.identity.adapters.tokens import TokenIssuer
from townhall.identity.bootstrap import Identity
from townhall.identity.entrypoints.api.access_table import ACCESS, LOOKUPS, OFFICER_ROLES
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.access import AccessDeniedError
from townhall.runtime.auth import Principal
from townhall.runtime.messagebus import MessageBus
from townhall.runtime.outbox import EventContext
from townhall.runtime.problems import NotFound
from townhall.runtime.web import Composition, client_address, event_context

_composition = Composition(Identity)
#: Keep what bootstrap built on the app: the one thing the dependencies below read.
install_services = _composition.install
services_of = _composition.of
Services = Annotated[Identity, Depends(_composition.dependency)]


async def _bus(services: Services) -> MessageBus[UnitOfWork]:
    return services.bus


async def _tokens(services: Services) -> TokenIssuer:
    return services.tokens


async def _sessions(services: Services) -> async_sessionmaker[AsyncSession]:
    """Sessions for the read side (views); every write goes through the bus."""
    return services.runtime.sessions


async def _signing_keys(services: Services) -> SigningKeys:
    return services.signing_keys


async def _master_keys(services: Services) -> MasterKeys:
    return services.master_keys


async def _client_address(request: Request) -> str:
    """The client's address: behind a trusted proxy, the one it forwarded."""
    return client_address(request) or "unknown"


async def _loopback(address: Annotated[str, Depends(_client_address)]) -> None:
    """Only a client on this machine; anyone else is told there is nothing here."""
    try:
        on_this_machine = ipaddress.ip_address(address).is_loopback
    except ValueError:
        on_this_machine = False
    if not on_this_machine:
        raise NotFound("no such page")


def _guard(action: str) -> Callable[..., Awaitable[Principal | None]]:
    """The table's rule for ``action``, then identity's own checks (see access_table):
    the officer's role, the resident's own record, and officers' look-ups per minute."""
    roles = OFFICER_ROLES.get(action)
    lookup = action in LOOKUPS

    async def guard(
        request: Request,
        principal: Annotated[Principal | None, Depends(ACCESS.require(action))],
        services: Services,
    ) -> Principal | None:
        if principal is None:
            return None
        if principal.kind == "officer" and roles and not _holds(principal, roles):
            raise AccessDeniedError(
                f"needs a role in {' or '.join(sorted(roles))}", extensions={"action": action}
            )
        if principal.kind == "resident" and not _owns(principal, request):
            raise AccessDeniedError("this is not your record", extensions={"action": action})
        if principal.kind == "officer" and lookup:
            await services.lookups.ahit(principal.subject)
        return principal

    guard.__name__ = f"guard_{action.replace('.', '_')}"
    return guard


def _holds(principal: Principal, domains: frozenset[str]) -> bool:
    return any(principal.clearances(domain) for domain in domains)


def _owns(principal: Principal, request: Request) -> bool:
    """Whether the resident acts on their own record (or on no record in particular)."""
    resident_id = request.path_params.get("resident_id")
    if resident_id is None:
        return True
    try:
        return uuid.UUID(str(resident_id)) == uuid.UUID(principal.subject)
    except ValueError:
        return False


def allowed(action: str) -> Any:
    """``Annotated[Principal | None, allowed("resident.read")]``: the caller the table
    and identity's own checks allow to attempt ``action`` (None: anonymous)."""
    return Depends(_guard(action))


def actor_id(principal: Principal) -> uuid.UUID:
    return uuid.UUID(principal.subject)


Bus = Annotated[MessageBus[UnitOfWork], Depends(_bus)]
Tokens = Annotated[TokenIssuer, Depends(_tokens)]
Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(_sessions)]
SigningKeysDep = Annotated[SigningKeys, Depends(_signing_keys)]
MasterKeysDep = Annotated[MasterKeys, Depends(_master_keys)]
Context = Annotated[EventContext, Depends(event_context)]
ClientAddress = Annotated[str, Depends(_client_address)]
Loopback = Annotated[None, Depends(_loopback)]
