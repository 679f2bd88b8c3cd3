"""resident-view's HTTP application: HTTP wired to what bootstrap built."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from townhall.resident_view.bootstrap import ResidentView, bootstrap
from townhall.resident_view.config import ResidentViewSettings
from townhall.resident_view.entrypoints.api import (
    audit_routes,
    search_routes,
    timeline_routes,
    tracking_routes,
)
from townhall.resident_view.entrypoints.api.dependencies import install_services
from townhall.runtime.web import create_app


def create(
    settings: ResidentViewSettings | None = None,
    *,
    identity_transport: httpx.AsyncBaseTransport | None = None,
    api: bool = True,
    services: ResidentView | None = None,
) -> FastAPI:
    """The app over ``services`` (default: what ``bootstrap(settings)`` builds).

    With ``api=False`` it only projects (``python -m townhall.resident_view project``):
    /healthz, /readyz and /metrics, no timeline. The projection scales out by partition:
    every process projecting the active generation joins its consumer group, and Kafka
    shares the topics' partitions among them, so each event is still applied by one
    process, in order per resident. Run up to one process per partition
    (``TOPIC_PARTITIONS``), beside the one that serves.
    """
    built = services or bootstrap(settings, identity_transport=identity_transport)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with built.background(), built.runtime.lifespan(app):
            yield

    app = create_app(
        service=built.settings.service_name,
        lifespan=lifespan,
        readiness=built.runtime.readiness(),
        settings=built.settings,
    )
    install_services(app, built)
    if not api:
        return app
    app.include_router(timeline_routes.router)
    app.include_router(search_routes.router)
    app.include_router(tracking_routes.router)
    app.include_router(audit_routes.router)
    return app
