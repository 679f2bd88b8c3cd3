"""FastAPI dependencies, as Annotated aliases (the only place Depends appears).

Every dependency is ``async def``: FastAPI runs a plain ``def`` one in its thread pool,
a hand-over each way per dependency per request, for work that never blocks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.bootstrap import Cases
from townhall.cases.config import CasesSettings
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.commands import Actor
from townhall.cases.service_layer.unit_of_work import Bus as CasesBus
from townhall.runtime.auth import AuthenticationError, Principal, verifier_of
from townhall.runtime.clock import Clock
from townhall.runtime.logging import get_correlation_id, new_correlation_id
from townhall.runtime.outbox import EventContext
from townhall.runtime.web import Composition

_bearer = HTTPBearer(auto_error=False)


_composition = Composition(Cases)
#: Keep what bootstrap built on the app: the one thing the dependencies below read.
install_services = _composition.install
services_of = _composition.of
ServicesDep = Annotated[Cases, Depends(_composition.dependency)]


async def _bus(services: ServicesDep) -> CasesBus:
    return services.bus


async def _catalogue(services: ServicesDep) -> Catalogue:
    return services.catalogue


async def _settings(services: ServicesDep) -> CasesSettings:
    return services.settings


async def _clock(services: ServicesDep) -> Clock:
    return services.clock


async def _session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """A read-only session for the read side (views, Open311 queries)."""
    async with services.runtime.sessions() as session:
        yield session


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


Bus = Annotated[CasesBus, Depends(_bus)]
CatalogueDep = Annotated[Catalogue, Depends(_catalogue)]
SettingsDep = Annotated[CasesSettings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
Session = Annotated[AsyncSession, Depends(_session)]
Context = Annotated[EventContext, Depends(_context)]
MaybeActor = Annotated[Actor, Depends(_maybe_actor)]
SignedIn = Annotated[Actor, Depends(_signed_in)]
