"""FastAPI dependencies, as Annotated aliases (the only place Depends appears).

Every dependency is ``async def``: FastAPI runs a plain ``def`` one in its thread pool,
a hand-over each way per dependency per request, for work that never blocks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from townhall.cases.adapters.evidence_store import EvidenceStore
from townhall.cases.bootstrap import Cases
from townhall.cases.config import CasesSettings
from townhall.cases.domain.catalogue import Catalogue
from townhall.cases.domain.commands import Actor
from townhall.cases.domain.evidence import EvidenceLimits
from townhall.cases.entrypoints.api.access_table import ACCESS
from townhall.cases.entrypoints.api.schemas import REFERENCE_PATTERN
from townhall.cases.service_layer.unit_of_work import Bus as CasesBus
from townhall.runtime.auth import Principal
from townhall.runtime.clock import Clock
from townhall.runtime.outbox import EventContext
from townhall.runtime.web import Composition, client_address, event_context

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


async def _evidence_store(services: ServicesDep) -> EvidenceStore:
    return services.evidence_store


async def _evidence_limits(services: ServicesDep) -> EvidenceLimits:
    return services.evidence_limits


async def _session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """A read-only session for the read side (views, Open311 queries)."""
    async with services.runtime.sessions() as session:
        yield session


def actor_of(principal: Principal | None) -> Actor:
    """The domain's reading of a verified caller (None: nobody signed in)."""
    if principal is None:
        return Actor("anonymous", "anonymous")
    return Actor(principal.subject, principal.kind, principal.clearances_by_domain(), principal.loa)


def _acting(action: str) -> Callable[..., Awaitable[Actor]]:
    """The caller the access table lets attempt ``action``, as the domain's Actor."""
    return ACCESS.acting(action, actor_of)


_reads_case = _acting("case.read")


async def _case_lookup(services: ServicesDep, actor: Actor = Depends(_reads_case)) -> Actor:  # noqa: B008
    """A caller allowed to read a case, counted: references are sequential, so reading
    many is a sweep (429 over ``CASE_LOOKUP_LIMIT``, per caller)."""
    await services.limits.case_lookups.ahit(f"{actor.kind}:{actor.subject}")
    return actor


_reads_evidence = _acting("case.evidence.read")


async def _evidence_lookup(services: ServicesDep, actor: Actor = Depends(_reads_evidence)) -> Actor:  # noqa: B008
    """Reading a case's evidence counts as reading the case (the same limit)."""
    await services.limits.case_lookups.ahit(f"{actor.kind}:{actor.subject}")
    return actor


async def _open311_lookup(request: Request, services: ServicesDep) -> None:
    """Open311 look-ups, counted per client address (429 over ``OPEN311_LOOKUP_LIMIT``)."""
    await services.limits.open311_lookups.ahit(f"address:{client_address(request)}")


def _guard(action: str) -> Callable[..., Awaitable[Principal | None]]:
    return ACCESS.require(action)


#: The ``{reference}`` path parameter of a case's routes.
CaseReference = Annotated[str, Path(pattern=REFERENCE_PATTERN, examples=["PC-2026-000123"])]
Bus = Annotated[CasesBus, Depends(_bus)]
CatalogueDep = Annotated[Catalogue, Depends(_catalogue)]
SettingsDep = Annotated[CasesSettings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
EvidenceStoreDep = Annotated[EvidenceStore, Depends(_evidence_store)]
EvidenceLimitsDep = Annotated[EvidenceLimits, Depends(_evidence_limits)]
Session = Annotated[AsyncSession, Depends(_session)]
Context = Annotated[EventContext, Depends(event_context)]

# One alias per action of the access table (access_table.py): a route takes the one
# that names what it does.
ReadsCatalogue = Annotated[Actor, Depends(_acting("catalogue.read"))]
SubmitsCase = Annotated[Actor, Depends(_acting("case.submit"))]
ReadsCase = Annotated[Actor, Depends(_case_lookup)]
ListsOwnCases = Annotated[Actor, Depends(_acting("case.list_mine"))]
MovesCase = Annotated[Actor, Depends(_acting("case.transition"))]
AssignsCase = Annotated[Actor, Depends(_acting("case.assign"))]
PostsUpdate = Annotated[Actor, Depends(_acting("case.update"))]
AddsNote = Annotated[Actor, Depends(_acting("case.note"))]
AddsEvidence = Annotated[Actor, Depends(_acting("case.evidence.add"))]
ReadsEvidence = Annotated[Actor, Depends(_evidence_lookup)]
ConfirmsReporter = Annotated[Actor, Depends(_acting("case.confirm_reporter"))]
LogsContact = Annotated[Actor, Depends(_acting("contact.log"))]
ReadsQueue = Annotated[Actor, Depends(_acting("queue.read"))]
Open311Discovers = Annotated[Principal | None, Depends(_guard("open311.discover"))]
Open311Submits = Annotated[Principal | None, Depends(_guard("open311.submit"))]
Open311Reads = Annotated[Principal | None, Depends(_guard("open311.requests"))]
Open311ReadsToken = Annotated[Principal | None, Depends(_guard("open311.token"))]
Open311Lookup = Annotated[None, Depends(_open311_lookup)]
