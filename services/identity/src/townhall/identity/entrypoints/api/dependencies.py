"""FastAPI dependencies, as Annotated aliases (the only place Depends appears).

Every dependency is ``async def``: FastAPI runs a plain ``def`` one in its thread pool,
a hand-over each way per dependency per request, for work that never blocks.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from townhall.identity.adapters.codes import Mailbox
from townhall.identity.adapters.master_keys import MasterKeys
from townhall.identity.adapters.signing_keys import SigningKeys
from townhall.identity.adapters.tokens import TokenIssuer
from townhall.identity.bootstrap import Identity
from townhall.identity.domain.officers import ADMIN
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.auth import Principal, TokenVerifier, bearer_principal
from townhall.runtime.logging import get_correlation_id, new_correlation_id
from townhall.runtime.messagebus import MessageBus
from townhall.runtime.outbox import EventContext
from townhall.runtime.problems import Forbidden
from townhall.runtime.web import Composition

#: Officers with a role in these domains may read and change any resident's record.
RECORD_DOMAINS = frozenset({ADMIN, "identity", "contact_centre"})
PII_READ = "pii:read"
MATCH = "residents:match"


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


async def _mailbox(services: Services) -> Mailbox:
    return services.mailbox


async def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _context() -> EventContext:
    return EventContext(correlation_id=get_correlation_id() or new_correlation_id())


async def _own_verifier(services: Services) -> TokenVerifier:
    return services.verifier


_principal = bearer_principal(_own_verifier)
Caller = Annotated[Principal, Depends(_principal)]


async def _admin(principal: Caller) -> Principal:
    if principal.kind != "officer" or not principal.clearances(ADMIN):
        raise Forbidden("an administrator's token is required")
    return principal


async def _record_officer(principal: Caller) -> Principal:
    return _require_record_officer(principal)


def _require_record_officer(principal: Principal) -> Principal:
    if principal.kind != "officer" or not any(principal.clearances(d) for d in RECORD_DOMAINS):
        raise Forbidden("an officer with a role in identity or the contact centre is required")
    return principal


async def _resident_or_officer(resident_id: uuid.UUID, principal: Caller) -> Principal:
    """The resident themself, or an officer who may work on residents' records."""
    if principal.kind == "resident" and principal.subject == str(resident_id):
        return principal
    return _require_record_officer(principal)


async def _record_source(principal: Caller) -> Principal:
    """An officer who works on records, or a service allowed to submit records to match."""
    if principal.kind == "service" and principal.has_scope(MATCH):
        return principal
    return _require_record_officer(principal)


async def _pii_reader(principal: Caller) -> Principal:
    if principal.kind != "service" or not principal.has_scope(PII_READ):
        raise Forbidden(f"a service token with scope {PII_READ} is required")
    return principal


def actor_id(principal: Principal) -> uuid.UUID:
    return uuid.UUID(principal.subject)


Bus = Annotated[MessageBus[UnitOfWork], Depends(_bus)]
Tokens = Annotated[TokenIssuer, Depends(_tokens)]
Sessions = Annotated[async_sessionmaker[AsyncSession], Depends(_sessions)]
SigningKeysDep = Annotated[SigningKeys, Depends(_signing_keys)]
MasterKeysDep = Annotated[MasterKeys, Depends(_master_keys)]
MailboxDep = Annotated[Mailbox, Depends(_mailbox)]
Context = Annotated[EventContext, Depends(_context)]
ClientAddress = Annotated[str, Depends(_client_address)]
Admin = Annotated[Principal, Depends(_admin)]
RecordOfficer = Annotated[Principal, Depends(_record_officer)]
ResidentOrOfficer = Annotated[Principal, Depends(_resident_or_officer)]
PiiReader = Annotated[Principal, Depends(_pii_reader)]
RecordSource = Annotated[Principal, Depends(_record_source)]
