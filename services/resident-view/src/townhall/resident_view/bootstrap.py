"""The composition root: everything one resident-view process runs is built here, once.

The runtime (database, migrations, consumers), the index of residents that search and
the projection share (opened with identity's data keys where configured), the live
projection, the clock, and the limits on what one officer may look up. The API's
``create()`` only wires HTTP to what this returns; ``python -m townhall.resident_view
project`` runs the same thing without the routes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import httpx

from townhall.resident_view.adapters.orm import MIGRATIONS
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.projection.live import LiveProjection
from townhall.resident_view.projection.resident_index import ResidentIndex
from townhall.runtime.clock import Clock, utc_now
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.throttling import RateLimit


@dataclass(frozen=True)
class OfficerLimits:
    """What one officer may look up per window (settings ``officer_*_limit``)."""

    searches: RateLimit
    lookups: RateLimit

    @classmethod
    def configured(cls, settings: ResidentViewSettings) -> OfficerLimits:
        store = settings.rate_limit_storage
        return cls(
            RateLimit("resident-view-officer-search", settings.officer_search_limit, store),
            RateLimit("resident-view-officer-lookups", settings.officer_lookup_limit, store),
        )


@dataclass(frozen=True)
class ResidentView:
    """What one resident-view process runs; the API reads it through typed dependencies."""

    settings: ResidentViewSettings
    runtime: ServiceRuntime
    residents: ResidentIndex
    live: LiveProjection
    clock: Clock
    limits: OfficerLimits

    @property
    def service_urls(self) -> Mapping[str, str]:
        """Other services' addresses, for links in what the API answers."""
        return self.settings.service_urls

    @contextlib.asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """Close the client of identity's data keys when the process stops."""
        try:
            yield
        finally:
            if self.residents.keys is not None:
                await self.residents.keys.aclose()


def bootstrap(
    settings: ResidentViewSettings | None = None,
    *,
    identity_transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = utc_now,
) -> ResidentView:
    """``identity_transport`` carries the calls to identity (tests: an ASGI transport)."""
    settings = settings or ResidentViewSettings()
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS, produces=False)
    residents = ResidentIndex.configured(settings, identity_transport)
    live = LiveProjection(runtime, residents=residents, clock=clock)
    runtime.add(live)
    limits = OfficerLimits.configured(settings)
    return ResidentView(settings, runtime, residents, live, clock, limits)
