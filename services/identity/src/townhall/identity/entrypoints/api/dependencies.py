"""FastAPI dependencies, as Annotated aliases (the only place Depends appears).

Every dependency is ``async def``: FastAPI runs a plain ``def`` one in its thread pool,
a hand-over each way per dependency per request, for work that never blocks.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from townhall.identity.adapters.tokens import TokenIssuer
from townhall.identity.domain.officers import ADMIN
from townhall.identity.service_layer.unit_of_work import UnitOfWork
from townhall.runtime.auth import Principal, TokenVerifier, bearer_principal
from townhall.runtime.logging import get_correlation_id, new_correlation_id
from townhall.runtime.messagebus import MessageBus
from townhall.runtime.outbox import EventContext
from townhall.runtime.problems import Forbidden

#: Officers with a role in these domains may read and change any resident's record.
RECORD_DOMAINS = frozenset({ADMIN, "identity", "contact_centre"})
PII_READ = "pii:read"
MATCH = "residents:match"


async def _bus(request: Request) -> MessageBus[UnitOfWork]:
    bus: MessageBus[UnitOfWork] = request.app.state.bus
    return bus


async def _tokens(request: Request) -> TokenIssuer:
    tokens: TokenIssuer = request.app.state.tokens
    return tokens


async def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _context() -> EventContext:
    return EventContext(correlation_id=get_correlation_id() or new_correlation_id())


async def _own_verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.identity_verifier
    return verifier


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
Context = Annotated[EventContext, Depends(_context)]
ClientAddress = Annotated[str, Depends(_client_address)]
Admin = Annotated[Principal, Depends(_admin)]
RecordOfficer = Annotated[Principal, Depends(_record_officer)]
ResidentOrOfficer = Annotated[Principal, Depends(_resident_or_officer)]
PiiReader = Annotated[Principal, Depends(_pii_reader)]
RecordSource = Annotated[Principal, Depends(_record_source)]
