"""FastAPI dependencies, as Annotated aliases (the only place Depends appears).

Every dependency is ``async def``: FastAPI runs a plain ``def`` one in its thread pool,
a hand-over each way per dependency per request, for work that never blocks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.commands import Actor
from townhall.cases.service_layer.messagebus import MessageBus
from townhall.runtime.auth import AuthenticationError, Principal, verifier_of
from townhall.runtime.logging import get_correlation_id, new_correlation_id
from townhall.runtime.outbox import EventContext

_bearer = HTTPBearer(auto_error=False)


async def _bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


async def _catalogue(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


async def _context() -> EventContext:
    return EventContext(correlation_id=get_correlation_id() or new_correlation_id())


def actor_of(principal: Principal) -> Actor:
    clearances: dict[str, tuple[str, ...]] = {}
    for role in principal.roles:
        clearances[role.domain] = (*clearances.get(role.domain, ()), role.clearance)
    return Actor(principal.subject, principal.kind, clearances)


async def _maybe_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The signed-in caller, or an anonymous one (residents need no account)."""
    if credentials is None:
        return Actor("anonymous", "anonymous")
    return actor_of(await verifier_of(request).verify(credentials.credentials))


async def _signed_in(actor: Annotated[Actor, Depends(_maybe_actor)]) -> Actor:
    if actor.kind == "anonymous":
        raise AuthenticationError("missing bearer token", invalid_token=False)
    return actor


Bus = Annotated[MessageBus, Depends(_bus)]
CatalogueDep = Annotated[Catalogue, Depends(_catalogue)]
Context = Annotated[EventContext, Depends(_context)]
MaybeActor = Annotated[Actor, Depends(_maybe_actor)]
SignedIn = Annotated[Actor, Depends(_signed_in)]
