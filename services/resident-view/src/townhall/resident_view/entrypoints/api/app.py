"""resident-view's HTTP application and its live projection."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from townhall.resident_view.adapters.orm import MIGRATIONS
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api import (
    audit_routes,
    search_routes,
    timeline_routes,
    tracking_routes,
)
from townhall.resident_view.projection.live import LiveProjection
from townhall.resident_view.projection.resident_index import ResidentIndex
from townhall.runtime.service import ServiceRuntime
from townhall.runtime.web import create_app


def create(
    settings: ResidentViewSettings | None = None,
    *,
    identity_transport: httpx.AsyncBaseTransport | None = None,
    api: bool = True,
) -> FastAPI:
    """The app; ``identity_transport`` carries the calls to identity (tests: ASGI).

    With ``api=False`` it only projects (``python -m townhall.resident_view project``):
    /healthz, /readyz and /metrics, no timeline. The projection scales out by partition:
    every process projecting the active generation joins its consumer group, and Kafka
    shares the topics' partitions among them, so each event is still applied by one
    process, in order per resident. Run up to one process per partition
    (``TOPIC_PARTITIONS``), beside the one that serves.
    """
    settings = settings or ResidentViewSettings()
    runtime = ServiceRuntime(settings, migrations=MIGRATIONS, produces=False)
    residents = ResidentIndex.configured(settings, identity_transport)
    live = LiveProjection(runtime, residents=residents)
    runtime.add(live)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            async with runtime.lifespan(app):
                yield
        finally:
            if residents.keys is not None:
                await residents.keys.aclose()

    app = create_app(
        service=settings.service_name, lifespan=lifespan, readiness=runtime.readiness()
    )
    app.state.live = live
    app.state.service_urls = settings.service_urls
    if not api:
        return app
    app.include_router(timeline_routes.router)
    app.include_router(search_routes.router)
    app.include_router(tracking_routes.router)
    app.include_router(audit_routes.router)
    return app
